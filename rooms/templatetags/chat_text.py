"""Template helpers for drawing messages.

Message text is not formatted here: its HTML (Markdown, links, @mentions) is rendered
and sanitised once, when the message is saved (rooms/formatting.py), and stored in
``Message.body_html``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django import template
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime, now

from rooms.timeline import clock_text, long_text

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
    """The message's reaction buttons (with their users: prefetched as a list by the
    selectors, ``Message.reacted``, or read here for a message drawn alone)."""
    from rooms.reactions import summarize

    reacted = getattr(message, "reacted", None)
    return summarize(list(message.reactions.all()) if reacted is None else reacted)


@register.filter
def mention_ids(message: Message) -> str:
    """ " 3 17": who the message mentions, for the page's per-viewer rule (prefetched
    as a list by the selectors, ``Message.mentioned``, or read here)."""
    mentioned = getattr(message, "mentioned", None)
    if mentioned is None:
        mentioned = message.mentions.all()
    return "".join(f" {user.pk}" for user in mentioned)


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


# Times of messages, in the zone being drawn in (a page: its reader's), written as
# rooms.timeline writes them for live events.
@register.filter
def clock(value: datetime) -> str:
    """ "14:05"."""
    return clock_text(localtime(value))


@register.filter
def long_time(value: datetime) -> str:
    """ "Thursday 3 December 2026, 14:05"."""
    return long_text(localtime(value))


@register.filter
def lone_paragraph(html: str) -> SafeString:
    """Stored message HTML (sanitised when saved), without the ``<p>`` around a message
    of one paragraph: most messages are one line, and each is pushed to every reader."""
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by rooms.formatting when saved
