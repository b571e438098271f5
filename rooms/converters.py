"""The ``<room:slug>`` URL part: a room slug in any script ("日本語チャット", "book-club")."""

from __future__ import annotations

from django.urls import register_converter


class RoomSlugConverter:
    # \w is Unicode-aware: letters and digits of every script, as slugify(allow_unicode=True) keeps.
    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RoomSlugConverter, "room")
