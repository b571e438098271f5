"""Message text to HTML: escaped, links clickable, nothing else."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import Urlizer, format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime, now

from rooms.mentions import MENTION_RE, mention_map

if TYPE_CHECKING:
    from rooms.models import Message

register = template.Library()


class _ChatUrlizer(Urlizer):
    # Links in other people's text: no referrer, no opener, never followed by crawlers.
    url_template = (
        '<a href="{href}" rel="nofollow noopener noreferrer" target="_blank"{attrs}>{url}</a>'
    )


_urlize = _ChatUrlizer()


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


@register.filter
def chat_time(value: datetime) -> str:
    """A short, readable time: "14:05" today, "3 Nov, 14:05" this year, else with the year.

    Rendered once for every viewer, so "today" is the server's (UTC) day; the
    exact instant is in the ``<time datetime>`` attribute beside it.
    """
    if value is None:
        return ""
    value = localtime(value)
    today = localtime(now()).date()
    if value.date() == today:
        return date_format(value, "H:i")
    if value.year == today.year:
        return date_format(value, "j M, H:i")
    return date_format(value, "j M Y, H:i")
