"""Injection: whatever people type is shown as text, in the page and in the pushed frame.

Each payload is sent over the socket; the frame another member receives and the room
page are then read with an HTML parser, as a browser would read them. The message body
must show exactly the typed text (none of these is Markdown formatting), and contain no
element outside the formatting allow-list, no attribute but a link's or a highlight's
class, and no link but http(s).
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from rooms.formatting import ALLOWED_TAGS
from rooms.models import Message, Room
from tests.conftest import connect, receive_until, send_json
from tests.security.html import Element, all_elements, find, message_bodies
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOADS: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '<img src=x onerror="alert(1)">',
    "svg-onload": "<svg/onload=alert(1)>",
    "attribute-breakout": '"><script>alert(1)</script><p title="',
    "closing-tags": "</div></article></div><script>alert(1)</script>",
    "javascript-link": '<a href="javascript:alert(1)">click me</a>',
    "javascript-bare": "javascript:alert(1)",
    "javascript-slashes": "javascript://example.com/%0Aalert(1)",
    "javascript-markdown": "[click me](javascript:alert(1))",
    "url-breakout": 'https://example.com/"onmouseover="alert(1)',
    "www-breakout": "www.example.com/<script>alert(1)</script>",
    "data-url": "data:text/html,<script>alert(1)</script>",
    "hx-get": '<div hx-get="/accounts/logout/" hx-trigger="load">x</div>',
    "hx-post": (
        '<button hx-post="/rooms/lobby/messages/" hx-vals=\'{"body":"spam"}\' '
        'hx-trigger="load">go</button>'
    ),
    "ws-send": '<form ws-send hx-trigger="load"><input name="body" value="spam"></form>',
    "hx-on": '<div hx-on:htmx:load="alert(1)">x</div>',
    "oob-swap": '<div id="composer-error" hx-swap-oob="true">fake error</div>',
    "template-variable": "{{ user.password }} {{ request.META }} {{ csrf_token }}",
    "template-tag": "{% csrf_token %}{% debug %}{% load static %}{# hidden #}",
    "entities": "&lt;script&gt; &amp; &#x3C;b&#x3E;",
    "comment": "<!-- <script>alert(1)</script>",
    "style": "<style>body{display:none}</style>",
    "rtl-override": "invoice\u202efdp.exe",
    "zero-width": "a\u200bd\u200cm\u200di\ufeffn",
    "long-word": "W" * 2000,
    "long-link": "https://example.com/" + "a" * 1900,
    "mixed": "<b>bold</b> & <i>it</i>\u202e {{ x }} https://example.com/?a=1&b=<2>",
}

LINK_ATTRIBUTES = {"href", "rel", "target"}


def problems_in_body(body: Element, payload: str) -> list[str]:
    """What is wrong with how one message body shows ``payload`` (empty: all good)."""
    problems = []
    if "hx-disable" not in body.attrs:
        problems.append("the body is not inside hx-disable")
    for element in body.children:
        if element.tag not in ALLOWED_TAGS:
            problems.append(f"a <{element.tag}> element")
            continue
        if element.tag != "a":
            extra = set(element.attrs) - {"class", "start"}
            if extra:
                problems.append(f"<{element.tag}> attributes {sorted(extra)}")
            continue
        href = (element.attrs.get("href") or "").strip()
        if not href.lower().startswith(("http://", "https://", "mailto:")):
            problems.append(f"a link to {href!r}")
        extra = set(element.attrs) - LINK_ATTRIBUTES
        if extra:
            problems.append(f"link attributes {sorted(extra)}")
        if "noopener" not in (element.attrs.get("rel") or ""):
            problems.append("a link without rel=noopener")
    # Long links are shortened on screen (the href keeps them whole).
    links = [e for e in body.children if e.tag == "a"]
    if links and len(payload) > 100:
        if links[0].attrs.get("href") != payload:
            problems.append(f"the link goes to {links[0].attrs.get('href')!r}")
    elif body.text != payload:
        problems.append(f"shows {body.text!r}")
    return problems


def problems_in_document(html: str) -> list[str]:
    """Anything that would run code anywhere in a page or frame."""
    problems = []
    for element in all_elements(html):
        handlers = [name for name in element.attrs if name.lower().startswith("on")]
        if handlers:
            problems.append(f"<{element.tag}> with {handlers}")
        if element.tag == "script" and not element.attrs.get("src"):
            problems.append("an inline <script>")
        for name in ("href", "src", "action", "formaction", "hx-get", "hx-post"):
            value = (element.attrs.get(name) or "").strip().lower()
            if value.startswith(("javascript:", "data:", "vbscript:")):
                problems.append(f"<{element.tag} {name}={value!r}>")
    return problems


async def test_payloads_are_shown_as_text_live_and_in_the_page(
    alice, bob, lobby, settings
) -> None:
    settings.CHAT_RATE_LIMIT = 1000  # this test sends many messages on purpose
    failures: list[str] = []
    async with connect(alice) as ws_alice, connect(bob) as ws_bob:
        for name, payload in PAYLOADS.items():
            await send_json(ws_alice, action="send", body=payload)
            frame = await receive_until(ws_bob, 'id="msg-')
            bodies = list(message_bodies(frame).values())
            if len(bodies) != 1:
                failures.append(f"{name}: the frame holds {len(bodies)} message bodies")
                continue
            failures += [f"{name} (frame): {p}" for p in problems_in_body(bodies[0], payload)]
            failures += [f"{name} (frame): {p}" for p in problems_in_document(frame)]
            await receive_until(ws_alice, 'id="msg-')

    saved = {m.pk: m.body async for m in Message.objects.filter(author=alice)}
    assert sorted(saved.values()) == sorted(PAYLOADS.values()), "a payload was altered"

    client = Client()
    await sync_to_async(client.force_login)(bob)
    page = (await sync_to_async(client.get)("/rooms/lobby/")).content.decode()
    bodies = message_bodies(page)
    for name, payload in PAYLOADS.items():
        (pk,) = [pk for pk, body in saved.items() if body == payload]
        body = bodies.get(f"msg-{pk}")
        if body is None:
            failures.append(f"{name} (page): the message is missing from the page")
            continue
        failures += [f"{name} (page): {p}" for p in problems_in_body(body, payload)]
    failures += [f"page: {p}" for p in problems_in_document(page)]
    assert not failures, "\n".join(failures)


async def test_edited_text_is_escaped_too(alice, bob, lobby) -> None:
    payload = PAYLOADS["img-onerror"]
    async with connect(alice) as ws_alice, connect(bob) as ws_bob:
        await send_json(ws_alice, action="send", body="harmless at first")
        await receive_until(ws_bob, "harmless at first")
        message = await Message.objects.aget(body="harmless at first")
        await send_json(ws_alice, action="edit", message_id=message.pk, body=payload)
        frame = await receive_until(ws_bob, "(edited)")
    (body,) = message_bodies(frame).values()
    assert problems_in_body(body, payload) == []
    assert problems_in_document(frame) == []


def test_room_names_are_shown_as_text(alice, client_for) -> None:
    name = "<script>alert(1)</script> {{ user.password }}"
    client: Client = client_for(alice)
    response = client.post("/rooms/", {"name": name})
    assert response.status_code == 302
    room = Room.objects.get(creator=alice)
    for url in ("/rooms/", room.get_absolute_url()):
        html = client.get(url).content.decode()
        assert problems_in_document(html) == [], url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    heading = find(client.get(room.get_absolute_url()).content.decode(), id="room-title")
    assert heading[0].text.strip() == name


@pytest.mark.parametrize(
    "username", ["<img src=x onerror=alert(1)>", "{{ user }}", "bob\u202e", "a b"]
)
def test_usernames_cannot_carry_markup(db, username: str) -> None:
    client = Client()
    password = "a-long-and-unusual-passphrase-42"
    response = client.post(
        "/accounts/signup/",
        {"username": username, "password1": password, "password2": password},
    )
    assert response.status_code == 200  # the form again, with an error
    assert not User.objects.filter(username=username).exists()
