"""Authorisation: every edit and delete is checked on the server, whatever the client claims.

The page hides buttons people may not use; these tests forge the frames and requests
a hostile client would send instead, over the socket and over HTTP.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from rooms import services
from rooms.models import Message, Room
from tests.conftest import connect, receive_until, send_json
from tests.security.conftest import frames_until_quiet, next_error
from tests.security.html import error_text
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)

NOT_IN_ROOM = services.NOT_ALLOWED_CHANGE


def post(room: Room, author: User, body: str) -> Message:
    return services.message_create(room=room, author=author, body=body)


def snapshot() -> list[tuple[object, ...]]:
    """Everything a forged action could change."""
    messages = Message.objects.order_by("pk").values_list(
        "pk", "room_id", "author_id", "body", "edited_at", "deleted_at", "seq"
    )
    rooms = Room.objects.order_by("pk").values_list("pk", "last_seq")
    return [*messages, *rooms]


async def assert_refused_to_sender_only(
    sender_ws, bystander_ws, frame: dict[str, object], expected: str
) -> None:
    before = await database_sync_to_async(snapshot)()
    await send_json(sender_ws, **frame)
    assert await next_error(sender_ws) == expected
    for seen in await frames_until_quiet(bystander_ws):
        assert not error_text(seen), "the refusal reached someone else"
        assert "msg-" not in seen, "a refused change was broadcast"
    assert await database_sync_to_async(snapshot)() == before


@pytest.fixture
def conversation(alice, bob, lobby, bobs_room) -> dict[str, Message]:
    """Bob's and Alice's messages in the lobby, and Alice's in Bob's room."""
    return {
        "bob_in_lobby": post(lobby, bob, "Bob's own words"),
        "alice_in_lobby": post(lobby, alice, "Alice in the lobby"),
        "alice_in_bobs_room": post(bobs_room, alice, "Alice visiting Bob"),
    }


@pytest.mark.parametrize(
    ("action", "target", "expected"),
    [
        ("edit", "bob_in_lobby", services.NOT_ALLOWED_EDIT),
        ("delete", "bob_in_lobby", services.NOT_ALLOWED_DELETE),
        # Her own message, but of another room: refused like a message that does not exist.
        ("edit", "alice_in_bobs_room", NOT_IN_ROOM),
        ("delete", "alice_in_bobs_room", NOT_IN_ROOM),
        ("edit", "no_such_message", NOT_IN_ROOM),
        ("delete", "no_such_message", NOT_IN_ROOM),
    ],
    ids=lambda value: value if value in {"edit", "delete"} or "_" in str(value) else "",
)
async def test_forged_frames_change_nothing(
    alice, bob, lobby, conversation, action, target, expected
) -> None:
    message_id = conversation[target].pk if target in conversation else 10**9
    frame = {"action": action, "message_id": message_id}
    if action == "edit":
        frame["body"] = "words put in someone else's mouth"
    async with connect(bob) as ws_bob, connect(alice) as ws_alice:
        await frames_until_quiet(ws_bob)
        await assert_refused_to_sender_only(ws_alice, ws_bob, frame, expected)


async def test_room_creator_may_delete_but_not_edit_others_messages(
    alice, bob, bobs_room, conversation
) -> None:
    target = conversation["alice_in_bobs_room"]
    async with connect(alice, "bobs-corner") as ws_alice, connect(bob, "bobs-corner") as ws_bob:
        await frames_until_quiet(ws_alice)
        await assert_refused_to_sender_only(
            ws_bob, ws_alice,
            {"action": "edit", "message_id": target.pk, "body": "moderated words"},
            services.NOT_ALLOWED_EDIT,
        )
        await send_json(ws_bob, action="delete", message_id=target.pk)
        tombstone = await receive_until(ws_alice, "This message was deleted")
        assert f'id="msg-{target.pk}"' in tombstone
    target = await Message.objects.aget(pk=target.pk)
    assert target.is_deleted and target.body == ""


async def test_moderation_does_not_reach_other_rooms(
    alice, bob, conversation
) -> None:
    """Bob moderates his room only, whichever room's socket he forges the id into."""
    target = conversation["alice_in_lobby"]
    async with connect(alice) as ws_alice, connect(bob) as ws_bob:
        await frames_until_quiet(ws_alice)
        await assert_refused_to_sender_only(
            ws_bob, ws_alice, {"action": "delete", "message_id": target.pk},
            services.NOT_ALLOWED_DELETE,
        )
    async with connect(alice) as ws_alice, connect(bob, "bobs-corner") as ws_bob:
        await frames_until_quiet(ws_alice)
        await assert_refused_to_sender_only(
            ws_bob, ws_alice, {"action": "delete", "message_id": target.pk}, NOT_IN_ROOM
        )


async def test_a_frame_cannot_claim_another_author(alice, bob, lobby) -> None:
    """The author is the socket's logged-in user; names and ids in the frame are ignored."""
    async with connect(bob) as ws_bob, connect(alice) as ws_alice:
        await send_json(
            ws_alice, action="send", body="signed by whom?",
            author="bob", author_id=bob.pk, username="bob", user=bob.pk, room="bobs-corner",
        )
        frame = await receive_until(ws_bob, "signed by whom?")
        await receive_until(ws_alice, "signed by whom?")
    assert f'data-author="{alice.pk}"' in frame
    message = await Message.objects.select_related("room").aget(body="signed by whom?")
    assert (message.author_id, message.room.slug) == (alice.pk, "lobby")


# ----------------------------------------------------------------- the same over HTTP
def edit_url(room: Room, message: Message) -> str:
    return f"/rooms/{room.slug}/messages/{message.pk}/edit/"


def delete_url(room: Room, message: Message) -> str:
    return f"/rooms/{room.slug}/messages/{message.pk}/delete/"


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_forged_http_requests_are_forbidden(
    alice, lobby, bobs_room, conversation, client_for, htmx
) -> None:
    client: Client = client_for(alice)
    headers = {"HX-Request": "true"} if htmx else {}
    bobs = conversation["bob_in_lobby"]
    elsewhere = conversation["alice_in_bobs_room"]
    before = snapshot()
    attempts = [
        (edit_url(lobby, bobs), {"body": "forged"}, services.NOT_ALLOWED_EDIT),
        (delete_url(lobby, bobs), {}, services.NOT_ALLOWED_DELETE),
        (edit_url(lobby, elsewhere), {"body": "forged"}, NOT_IN_ROOM),
        (delete_url(lobby, elsewhere), {}, NOT_IN_ROOM),
    ]
    # htmx asks get the refusal as an answer shown in place (never an error page).
    refused = 200 if htmx else 403
    for url, data, expected in attempts:
        response = client.post(url, data, headers=headers)
        assert response.status_code == refused, url
        assert error_text(response.content.decode()) == expected
    # Even the edit form is not handed out for someone else's message.
    response = client.get(edit_url(lobby, bobs), headers=headers)
    assert response.status_code == refused
    assert "Edit message" not in response.content.decode()
    assert snapshot() == before


def test_room_creator_over_http(alice, bob, bobs_room, conversation, client_for) -> None:
    client: Client = client_for(bob)
    target = conversation["alice_in_bobs_room"]
    response = client.post(edit_url(bobs_room, target), {"body": "moderated"})
    assert response.status_code == 403
    assert Message.objects.get(pk=target.pk).body == "Alice visiting Bob"
    response = client.post(delete_url(bobs_room, target))
    assert response.status_code == 302
    assert Message.objects.get(pk=target.pk).is_deleted


def test_cross_site_form_posts_are_refused(alice, lobby) -> None:
    """Another site's form cannot post as a logged-in user: no token, or a foreign Origin."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/rooms/lobby/messages/", {"body": "no token"}).status_code == 403

    client.get("/rooms/lobby/")  # sets the CSRF cookie, as our page would
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/rooms/lobby/messages/", {"body": "foreign origin", "csrfmiddlewaretoken": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert not Message.objects.filter(body__in=["no token", "foreign origin"]).exists()

    response = client.post(
        "/rooms/lobby/messages/", {"body": "from our page", "csrfmiddlewaretoken": token},
        headers={"Origin": "http://testserver"},
    )
    assert response.status_code == 302
    assert Message.objects.filter(body="from our page", author=alice).exists()
