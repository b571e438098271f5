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
from django.utils.timezone import localtime, now

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
    from rooms.reactions import summarize

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
