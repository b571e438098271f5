"""Message text to HTML: escaped, links clickable, nothing else."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import Urlizer
from django.utils.safestring import SafeString
from django.utils.timezone import localtime, now

register = template.Library()


class _ChatUrlizer(Urlizer):
    # Links in other people's text: no referrer, no opener, never followed by crawlers.
    url_template = (
        '<a href="{href}" rel="nofollow noopener noreferrer" target="_blank"{attrs}>{url}</a>'
    )


_urlize = _ChatUrlizer()


@register.filter(is_safe=True, needs_autoescape=True)
def chat_text(value: str, autoescape: bool = True) -> SafeString:
    """Escape ``value`` and turn http(s) URLs and www. addresses into safe links.

    Django's Urlizer escapes every character it does not turn into a link, and it
    only links http(s), www. and e-mail addresses, never ``javascript:``.
    """
    return SafeString(_urlize(value, trim_url_limit=60, nofollow=False, autoescape=True))


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
