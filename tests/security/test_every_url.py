"""Every URL of the project, walked with the session of someone outside a private room
and outside a direct room.

Nothing here lists the project's URLs: they are read from Django's resolver and from
the websocket router, so a path added later is checked without anyone remembering to.
A room path must answer an outsider exactly as it answers for a room that does not
exist (404, or 405 for a method it never takes), and no page may show the room's
name or messages. A new URL parameter makes this test fail until VALUES says how to
fill it: that is on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import Morsel

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from rooms import services
from rooms.models import Message, Room
from tests.conftest import ORIGIN, add_members, session_cookie_for
from users.models import User

SECRET_NAME = "Zanzibar treasure council"
SECRET_WORDS = "the zanzibarian map is under the xylophonic oak"
# Every GET is also made with ?q=<this word of the secret message>, so a search (or any
# page that filters by q) that looks past access would show the message's other words.
QUERY = {"q": "xylophonic"}
GHOST_SLUG = "no-such-room-anywhere"


@dataclass(frozen=True)
class Route:
    name: str
    parts: tuple[object, ...]  # the pattern of each level, outermost first

    @property
    def params(self) -> list[str]:
        names: list[str] = []
        for part in self.parts:
            if isinstance(part, RoutePattern):
                names += list(part.converters)
            else:
                names += list(part.regex.groupindex)
        return names

    def url(self, values: dict[str, str]) -> str:
        return "/" + "".join(_fill(part, values) for part in self.parts)


def _fill(part: object, values: dict[str, str]) -> str:
    if isinstance(part, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], str(part))
    text = part.regex.pattern.lstrip("^").removesuffix("$").removesuffix("\\Z")
    out, i = "", 0
    while i < len(text):
        if text.startswith("(?P<", i):
            name = text[i + 4 : text.index(">", i)]
            depth, j = 0, i
            while True:  # skip the group, nested parentheses included
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
                if depth == 0:
                    break
            out, i = out + values[name], j
        else:
            out, i = out + text[i].replace("\\", ""), i + 1
    return out


def _routes(patterns: list[object], name: tuple[str, ...] = (), parts=()) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (entry.namespace,) if entry.namespace else ()
            yield from _routes(entry.url_patterns, name + ns, (*parts, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield Route(":".join((*name, entry.name or "?")), (*parts, entry.pattern))


def http_routes() -> list[Route]:
    return list(_routes(get_resolver().url_patterns))


def websocket_routes() -> list[Route]:
    from config.asgi import application

    app = application.application_mapping["websocket"]
    while not isinstance(app, URLRouter):  # through admission, origin and auth middleware
        app = next(
            getattr(app, name) for name in ("inner", "application", "app") if hasattr(app, name)
        )
    return list(_routes(app.routes))


@pytest.fixture
def secrets(alice, bob, carol) -> dict[str, object]:
    """A private room of alice's and a direct room of alice and bob, each with a message."""
    private = services.room_create(creator=alice, name=SECRET_NAME, private=True)
    add_members(private, bob)
    from rooms import direct

    dm = direct.conversation_start(user=alice, usernames=["bob"])
    for room in (private, dm):
        services.message_create(room=room, author=alice, body=SECRET_WORDS)
    return {"private": private, "direct": dm}


def values_for(room: Room, member: User) -> dict[str, str]:
    message = Message.objects.filter(room=room).first()
    # How to fill each URL parameter of the project. A new one fails the test here.
    return {
        "slug": room.slug,
        "message_id": str(message.pk),
        "user_id": str(member.pk),
        "username": member.username,
        "object_id": str(room.pk),
        "content_type_id": "1",
        "id": str(member.pk),
        "app_label": "rooms",
        "url": "x",
        "key": "x",
        "uidb36": "x",
        "token": "x",  # a forged one: a real signed token is itself the credential
    }


def assert_nothing_shown(response, where: str) -> None:
    text = response.content.decode(errors="replace") + response.get("Location", "")
    assert SECRET_NAME not in text, f"{where} shows the private room's name"
    assert SECRET_WORDS not in text, f"{where} shows the room's messages"
    assert "zanzibarian" not in text.lower(), f"{where} shows the room's messages"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["private", "direct"])
def test_every_url_keeps_the_room_from_outsiders(
    secrets, alice, carol, kind
) -> None:
    room: Room = secrets[kind]
    outsider = carol
    values = values_for(room, alice)
    routes = http_routes()
    assert any(r.name == "rooms:detail" for r in routes)
    room_paths = 0
    client = Client()
    for route in routes:
        missing = [p for p in route.params if p not in values]
        assert not missing, f"{route.name}: teach this test how to fill {missing}"
        url = route.url(values)
        ghost = route.url({**values, "slug": GHOST_SLUG}) if "slug" in route.params else None
        for method, headers, data in [
            ("get", {}, None), ("get", {"HX-Request": "true"}, None), ("get", {}, QUERY),
            ("post", {}, None),
        ]:
            if not client.cookies.get(settings.SESSION_COOKIE_NAME, Morsel()).value:
                client.force_login(outsider)  # again: a path may have logged out
            response = getattr(client, method)(url, data, headers=headers)
            assert_nothing_shown(response, f"{method.upper()} {url} ({route.name})")
            if ghost is None:
                continue
            room_paths += 1
            expected = getattr(client, method)(ghost, data, headers=headers).status_code
            assert response.status_code == expected, (
                f"{method.upper()} {url} ({route.name}) answers an outsider "
                f"{response.status_code}, a missing room {expected}"
            )
            assert response.status_code in (404, 405), f"{route.name}: {response.status_code}"
    assert room_paths >= 8 * 4
    # The walk reached the room: its members see it.
    member = Client()
    member.force_login(alice)
    assert member.get(room.get_absolute_url()).status_code == 200
    if any(r.name == "search:results" for r in routes):  # and the word finds the message
        assert "zanzibarian" in member.get("/search/", QUERY).content.decode().lower()


@pytest.mark.django_db(transaction=True)
async def test_every_websocket_route_refuses_outsiders(secrets, alice, carol) -> None:
    from config.asgi import application

    cookie = await database_sync_to_async(session_cookie_for)(carol)
    routes = websocket_routes()
    assert routes
    for room in secrets.values():
        values = await database_sync_to_async(values_for)(room, alice)
        for route in routes:
            missing = [p for p in route.params if p not in values]
            assert not missing, f"websocket {route.name}: teach this test how to fill {missing}"
            ws = WebsocketCommunicator(
                application, route.url(values), headers=[ORIGIN, (b"cookie", cookie)]
            )
            connected, _ = await ws.connect(timeout=5)
            try:
                if "slug" in route.params:
                    assert not connected, f"{route.url(values)} accepted an outsider"
                    continue
                # A socket that is not about one room (the inbox) must not tell of this one
                # either. (receive_nothing: a receive timeout would cancel the app.)
                assert connected, f"{route.url(values)} refused a signed-in user"
                while not await ws.receive_nothing(timeout=0.3):
                    frame = await ws.receive_from()
                    assert SECRET_NAME not in frame and SECRET_WORDS not in frame
            finally:
                await ws.disconnect()
