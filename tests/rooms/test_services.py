"""Services: the one place where rooms and messages change."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rooms import services
from rooms.models import Message, Room
from rooms.ratelimit import RateLimited

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_events(monkeypatch) -> list[dict]:
    """Events handed to the channel layer (the real in-memory layer still receives them)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    events: list[dict] = []
    original = layer.group_send

    async def recording_group_send(group: str, message: dict) -> None:
        events.append({"group": group, **message})
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording_group_send)
    return events


def test_create_saves_and_broadcasts_after_commit(
    alice, lobby, sent_events, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.message_create(room=lobby, author=alice, body="  hello\r\nthere  ")
    assert message.body == "hello\nthere"
    assert sent_events == []  # nothing is announced before the transaction commits
    assert len(callbacks) == 2  # the broadcast, then notification email for the away
    callbacks[0]()
    event, activity = sent_events
    # The members' inbox sockets hear which message it was and who wrote it, no HTML.
    assert activity["group"] == f"activity-{lobby.pk}"
    assert activity["type"] == "inbox.message"
    assert (activity["seq"], activity["author_id"], activity["new"]) == (message.seq, alice.pk, True)
    assert "html" not in activity
    assert event["group"] == f"room-{lobby.pk}"
    assert event["type"] == "room.event"
    assert event["seq"] == message.seq
    assert "hello<br>\nthere" in event["html"]
    assert f'id="msg-{message.pk}"' in event["html"]


def test_each_event_is_rendered_once(
    alice, bob, lobby, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    """However many people are in the room, a change is rendered one time."""
    from rooms import render

    renders: list[str] = []
    real_render = render.render_to_string

    def counting_render(template_name: str, *args, **kwargs) -> str:
        renders.append(template_name)
        return real_render(template_name, *args, **kwargs)

    monkeypatch.setattr(render, "render_to_string", counting_render)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.message_create(room=lobby, author=alice, body="once")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(room=lobby, user=alice, message_id=message.pk, body="twice")
    with django_capture_on_commit_callbacks(execute=True):
        services.message_delete(room=lobby, user=alice, message_id=message.pk)
    assert renders == ["rooms/room.html#event-frame"] * 3


def test_seq_orders_every_change(alice, lobby, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = services.message_create(room=lobby, author=alice, body="one")
        second = services.message_create(room=lobby, author=alice, body="two")
        edited = services.message_edit(room=lobby, user=alice, message_id=first.pk, body="uno")
    assert (first.created_seq, second.created_seq, edited.seq) == (1, 2, 3)
    lobby.refresh_from_db()
    assert lobby.last_seq == 3


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Type a message"),
        ("   \n\t ", "Type a message"),
        ("x" * 2001, "at most 2000 characters"),
        (None, "Type a message"),
        (42, "must be a string"),
        (["a"], "must be a string"),
    ],
)
def test_create_rejects_bad_text(alice, lobby, body, error) -> None:
    with pytest.raises(ValidationError) as excinfo:
        services.message_create(room=lobby, author=alice, body=body)
    assert error in excinfo.value.messages[0]
    assert not Message.objects.exists()


def test_exactly_2000_characters_is_fine(alice, lobby) -> None:
    message = services.message_create(room=lobby, author=alice, body="y" * 2000)
    assert len(message.body) == 2000


def test_only_the_author_edits(alice, bob, lobby, django_capture_on_commit_callbacks) -> None:
    message = services.message_create(room=lobby, author=alice, body="mine")
    with pytest.raises(PermissionDenied, match="not allowed to edit"):
        services.message_edit(room=lobby, user=bob, message_id=message.pk, body="hacked")
    message.refresh_from_db()
    assert message.body == "mine" and message.edited_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.message_edit(room=lobby, user=alice, message_id=message.pk, body="still mine")
    message.refresh_from_db()
    assert message.body == "still mine" and message.is_edited


def test_room_creator_moderates_deletes_but_not_edits(alice, bob, make_user) -> None:
    room = services.room_create(creator=alice, name="Book club")
    message = services.message_create(room=room, author=bob, body="spoilers!")
    with pytest.raises(PermissionDenied):
        services.message_edit(room=room, user=alice, message_id=message.pk, body="no spoilers")
    carol = make_user("carol")
    with pytest.raises(PermissionDenied, match="not allowed to delete"):
        services.message_delete(room=room, user=carol, message_id=message.pk)
    services.message_delete(room=room, user=alice, message_id=message.pk)
    message.refresh_from_db()
    assert message.is_deleted and message.body == ""


def test_delete_blanks_the_text_and_keeps_the_row(alice, lobby) -> None:
    message = services.message_create(room=lobby, author=alice, body="secret plans")
    services.message_delete(room=lobby, user=alice, message_id=message.pk)
    row = Message.objects.get(pk=message.pk)
    assert row.body == "" and row.deleted_at is not None
    assert not Message.objects.filter(body__contains="secret").exists()
    with pytest.raises(PermissionDenied, match="already been deleted"):
        services.message_delete(room=lobby, user=alice, message_id=message.pk)
    with pytest.raises(PermissionDenied):
        services.message_edit(room=lobby, user=alice, message_id=message.pk, body="back")


def test_message_of_another_room_is_refused(alice, lobby) -> None:
    other = services.room_create(creator=alice, name="Elsewhere")
    message = services.message_create(room=other, author=alice, body="over there")
    with pytest.raises(PermissionDenied):
        services.message_edit(room=lobby, user=alice, message_id=message.pk, body="moved")
    with pytest.raises(PermissionDenied):
        services.message_delete(room=lobby, user=alice, message_id=message.pk)
    message.refresh_from_db()
    assert message.body == "over there" and not message.is_deleted


def test_rate_limit_refuses_a_flood(alice, bob, lobby, settings, channel_backend) -> None:
    """In this process's memory, and in Redis (shared by every process) alike."""
    settings.CHAT_RATE_LIMIT = 5
    for i in range(5):
        services.message_create(room=lobby, author=alice, body=f"burst {i}")
    for _ in range(3):  # refused each time, told when to try again
        with pytest.raises(RateLimited) as refused:
            services.message_create(room=lobby, author=alice, body="one too many")
        assert "Try again in" in refused.value.text
    # Someone else is not affected.
    services.message_create(room=lobby, author=bob, body="hi")
    assert Message.objects.filter(author=alice).count() == 5


def test_room_create_validates_names(alice) -> None:
    rooms_before = Room.objects.count()
    room = services.room_create(creator=alice, name="  Book   club ")
    assert (room.name, room.slug, room.creator) == ("Book club", "book-club", alice)
    for name, error in [
        ("", "Give the room a name"),
        ("   ", "Give the room a name"),
        ("book CLUB", "already exists"),
        ("x" * 61, "at most 60"),
        ("\u200b\u2800", "Give the room a name"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.room_create(creator=alice, name=name)
        assert error in excinfo.value.messages[0], name
    assert Room.objects.count() == rooms_before + 1  # only the book club was made
