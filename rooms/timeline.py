"""Where a message sits in time: its day separator, its grouping, its local time.

Days are the reader's: each user reads times in their own zone (``User.time_zone``).
Pages, "load older" and a socket's own catch-up are drawn for one reader, in that
reader's zone (``timezone.override``). A live event is drawn once for everyone, so it
carries one variant of its time per local rendering among the zones people use, and
names the zones in which its day separator shows; the page's per-viewer style rule
shows the reader's own (see docs/architecture.md, "Local times").
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateformat import format as date_format

from rooms.models import Message

if TYPE_CHECKING:
    from users.models import User

# Consecutive messages of one author within this window are drawn as one group.
GROUP_WINDOW = dt.timedelta(minutes=5)
ZONES_CACHE_KEY = "timeline:zones"
ZONES_CACHE_SECONDS = 300


@dataclass(frozen=True)
class TimeVariant:
    zones: str  # space-separated zone names that draw this instant the same way
    text: str
    title: str


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def zone_of(user: User) -> dt.tzinfo:
    return zone(getattr(user, "time_zone", "") or "UTC")


def newest_in_room(room_id: int) -> Mapping[str, Any] | None:
    """The room's newest message's author_id and created_at (None in an empty room)."""
    return (
        Message.objects.filter(room_id=room_id).order_by("-id")
        .values("author_id", "created_at").first()
    )


def continues_after(
    previous: Mapping[str, Any] | None, *, author_id: int, now: dt.datetime | None = None
) -> bool:
    """Whether a message ``author_id`` posts now joins ``previous`` (``newest_in_room``)'s
    group."""
    now = now or timezone.now()
    return (
        previous is not None and previous["author_id"] == author_id
        and now - previous["created_at"] <= GROUP_WINDOW
    )


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Today"
    if day == today - dt.timedelta(days=1):
        return "Yesterday"
    fmt = "l j F" if day.year == today.year else "l j F Y"
    return date_format(day, fmt)


def mark_days(
    messages: Sequence[Message], *, previous: dt.datetime | None, tz: dt.tzinfo | None = None,
) -> None:
    """Set ``message.day`` (the separator's label, or "") on each of ``messages`` for one
    reader in zone ``tz`` (the active zone by default). ``previous`` is the creation
    time of the message just before the first one (None: it is the room's first)."""
    tz = tz or timezone.get_current_timezone()
    today = timezone.now().astimezone(tz).date()
    last = previous.astimezone(tz).date() if previous else None
    for message in messages:
        day = message.created_at.astimezone(tz).date()
        message.day = day_label(day, today) if day != last else ""
        last = day


def previous_created_at(message: Message) -> dt.datetime | None:
    return (
        Message.objects.filter(room_id=message.room_id, id__lt=message.pk).order_by("-id")
        .values_list("created_at", flat=True).first()
    )


_zones_here: tuple[float, tuple[str, ...]] | None = None
ZONES_HELD_SECONDS = 2.0  # in this process, between reads of the shared cache


def audience_zones() -> tuple[str, ...]:
    """Every zone some user reads in (UTC always): the variants a live event carries.
    Cached for all processes (a profile change clears it), and held here for two seconds:
    a busy process sends many events a second, each read a round trip to the cache."""
    global _zones_here
    now = time.monotonic()
    if _zones_here is not None and now - _zones_here[0] < ZONES_HELD_SECONDS:
        return _zones_here[1]
    zones = cache.get(ZONES_CACHE_KEY)
    if zones is None:
        from users.models import User

        names = set(User.objects.values_list("time_zone", flat=True).distinct())
        zones = tuple(sorted(names | {"UTC"}))
        cache.set(ZONES_CACHE_KEY, zones, ZONES_CACHE_SECONDS)
    _zones_here = (now, tuple(zones))
    return _zones_here[1]


def forget_audience_zones() -> None:
    global _zones_here
    _zones_here = None
    cache.delete(ZONES_CACHE_KEY)


def clock_text(local: dt.datetime) -> str:
    """ "14:05" (strftime, not Django's date filter: this runs for every message drawn)."""
    return f"{local:%H:%M}"


def long_text(local: dt.datetime) -> str:
    """ "Thursday 3 December 2026, 14:05"."""
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def time_variants(instant: dt.datetime, zones: Iterable[str]) -> list[TimeVariant]:
    """``instant`` drawn in each of ``zones``, zones drawing it alike merged."""
    drawn: dict[tuple[str, str], list[str]] = {}
    for name in zones:
        local = instant.astimezone(zone(name))
        key = (clock_text(local), long_text(local))
        drawn.setdefault(key, []).append(name)
    return [
        TimeVariant(zones=" ".join(names), text=text, title=title)
        for (text, title), names in drawn.items()
    ]


def separator_zones(
    instant: dt.datetime, previous: dt.datetime | None, zones: Iterable[str]
) -> str:
    """The zones in which ``instant`` falls on another day than ``previous``."""
    return " ".join(
        name for name in zones
        if previous is None
        or instant.astimezone(zone(name)).date() != previous.astimezone(zone(name)).date()
    )
