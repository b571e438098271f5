"""Template helpers for drawing messages.

Message text is not formatted here: its HTML is rendered and sanitised once, when the
message is saved (rooms/formatting.py), and stored in ``Message.body_html``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime, now

from rooms.mentions import MENTION_RE, mention_map

if TYPE_CHECKING:
    from rooms.models import Message

if TYPE_CHECKING:
    from rooms.models import Message
    from rooms.reactions import Summary

register = template.Library()


@register.simple_tag
def reaction_choices() -> list[tuple[str, str]]:
    """The reactions offered, as (emoji, name): the list the service accepts."""
    from rooms.models import Reaction

    return Reaction.Emoji.choices


@register.filter
def reaction_summaries(message: Message) -> list[Summary]:
    """The message's reaction buttons (its reactions come prefetched with their users)."""


def _profile_url(username: str) -> str:
    try:
        return reverse("users:profile", kwargs={"username": username})
    except NoReverseMatch:  # the profile page is not there yet: the agreed address
        return f"/users/{username}/"


def _text_html(value: str) -> str:
    return _urlize(value, trim_url_limit=60, nofollow=False, autoescape=True)


@register.filter(is_safe=True, needs_autoescape=True)
def chat_text(
    value: str, message: Message | None = None, autoescape: bool = True
) -> SafeString:
    """Escape ``value`` and turn http(s) URLs and www. addresses into safe links, and
    ``@username`` into a link to the profile of each user ``message`` mentions.

    Django's Urlizer escapes every character it does not turn into a link, and it
    only links http(s), www. and e-mail addresses, never ``javascript:``.
    """
    mentioned = mention_map(message) if message is not None else {}
    if not mentioned:
        return SafeString(_text_html(value))
    parts: list[str] = []
    position = 0
    for match in MENTION_RE.finditer(value):
        user = mentioned.get(match[1].lower())
        if user is None:
            continue
        parts.append(_text_html(value[position:match.start()]))
        parts.append(format_html(
            '<a href="{}" class="mention" data-user="{}">{}</a>',
            _profile_url(user.username), user.pk, match[0],
        ))
        position = match.end()
    parts.append(_text_html(value[position:]))
    return SafeString("".join(parts))
    return summarize(list(message.reactions.all()))


@register.filter
def chat_time(value: datetime) -> str:
    """A short time in the reader's zone: "14:05" today, "3 Nov, 14:05" this year, else
    with the year (pages are drawn per reader; see rooms/timeline.py)."""
    if value is None:
        return ""
    value = localtime(value)
    today = localtime(now()).date()
    if value.date() == today:
        return date_format(value, "H:i")
    if value.year == today.year:
        return date_format(value, "j M, H:i")
    return date_format(value, "j M Y, H:i")
