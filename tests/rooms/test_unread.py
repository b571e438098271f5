"""Unread counts, the "New messages" line, @mentions and /mentions/ (HTTP and services)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rooms import services
from rooms.models import Membership, Message, Room
from tests.conftest import add_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def book_club(alice, bob) -> Room:
    room = Room.objects.create(name="Book club", slug="book-club", kind=Room.Kind.PRIVATE)
    return add_members(room, alice, bob)


@pytest.fixture
def garden(alice, bob) -> Room:
    return add_members(Room.objects.create(name="Garden", slug="garden"), alice, bob)


def _say(room: Room, author, body: str) -> Message:
    return services.message_create(room=room, author=author, body=body)


def _row(html: str, label: str) -> str:
    """The rooms-list link of ``label``: its accessible name and its badges."""
    match = re.search(r'<a href="[^"]*" aria-label="(' + re.escape(label) + r'[^"]*)"', html)
    assert match, f"no row for {label!r}"
    return match[1]


def test_counts_the_separator_and_the_at_badge_across_two_users_and_rooms(
    client_for, alice, bob, book_club, garden
) -> None:
    bob_client: Client = client_for(bob)
    alice_client: Client = client_for(alice)
    read = _say(book_club, alice, "already read")
    bob_client.get("/rooms/book-club/")  # bob has read both rooms so far
    bob_client.get("/rooms/garden/")
    first_unread = _say(book_club, alice, "first")
    _say(book_club, alice, "second, @bob what do you think?")
    _say(book_club, alice, "third")
    _say(garden, alice, "roses")
    _say(garden, bob, "my own message never counts")

    html = bob_client.get("/rooms/").content.decode()
    assert _row(html, "Book club") == "Book club, 3 unread, mentioned"
    assert _row(html, "Garden") == "Garden, 1 unread"
    # Alice wrote them: nothing is unread for her, anywhere.
    alice_html = alice_client.get("/rooms/").content.decode()
    assert _row(alice_html, "Book club") == "Book club"
    assert "<title>(1) Rooms · Chatrooms</title>" in alice_html  # bob's message in Garden
    # A reload changes nothing: the count is stored, not held by the page.
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club").startswith(
        "Book club, 3 unread"
    )
    assert "<title>(4) Rooms · Chatrooms</title>" in html

    # Opening the room: the line sits just above the first unread message.
    room_html = bob_client.get("/rooms/book-club/").content.decode()
    assert room_html.count('role="separator"') == 1
    separator_at = room_html.index('aria-label="New messages"')
    assert room_html.index(f'id="msg-{read.pk}"') < separator_at
    assert separator_at < room_html.index(f'id="msg-{first_unread.pk}"')
    # The tab shows what is unread elsewhere (Garden), and the sidebar lists both rooms.
    assert "<title>(1) Book club · Chatrooms</title>" in room_html
    # Read now: no line on the next visit, and the list shows no count.
    assert 'role="separator"' not in bob_client.get("/rooms/book-club/").content.decode()
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club") == "Book club"


def test_edits_and_deletes_keep_counts_right(client_for, alice, bob, book_club) -> None:
    bob_client = client_for(bob)
    bob_client.get("/rooms/book-club/")
    kept = _say(book_club, alice, "hello")
    gone = _say(book_club, alice, "hello @bob")
    services.message_edit(room=book_club, user=alice, message_id=kept.pk, body="hello again")
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club") == (
        "Book club, 2 unread, mentioned"
    )
    # A deleted unread message no longer counts, and neither does its mention.
    services.message_delete(room=book_club, user=alice, message_id=gone.pk)
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club") == (
        "Book club, 1 unread"
    )
    # An edit can add a mention...
    services.message_edit(room=book_club, user=alice, message_id=kept.pk, body="so, @Bob?")
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club").endswith("mentioned")
    # ... and take it away.
    services.message_edit(room=book_club, user=alice, message_id=kept.pk, body="never mind")
    assert _row(bob_client.get("/rooms/").content.decode(), "Book club") == (
        "Book club, 1 unread"
    )


def test_more_than_99_unread_shows_99_plus(client_for, alice, bob, garden, settings) -> None:
    settings.CHAT_RATE_LIMIT = 1000
    Membership.objects.filter(room=garden, user=bob).update(last_read_seq=0)
    for n in range(100):
        _say(garden, alice, f"message {n}")
    html = client_for(bob).get("/rooms/").content.decode()
    assert _row(html, "Garden") == "Garden, 99+ unread"
    assert ">99+<" in html
    # More unread than the first page holds: a link to the page that starts with them.
    room_html = client_for(bob).get("/rooms/garden/").content.decode()
    assert 'role="separator"' not in room_html
    jump = re.search(r'<a href="([^"]+)"[^>]*>.*?Jump to first unread</a>', room_html)
    assert jump, "no Jump to first unread link"
    first = Message.objects.filter(room=garden).order_by("pk").first()
    page = client_for(bob).get(jump[1].replace("&amp;", "&")).content.decode()
    assert page.index('aria-label="New messages"') < page.index(f'id="msg-{first.pk}"')


def test_mentions_link_only_people_who_can_read_the_room(
    client_for, alice, bob, carol, book_club
) -> None:
    message = _say(book_club, alice, "@bob and @carol, and @nobody, mail me@example.com")
    assert list(message.mentions.all()) == [bob]  # carol is not in this private room
    html = client_for(alice).get("/rooms/book-club/").content.decode()
    # Rendered when saved, with the Markdown (rooms/formatting.py), like every link.
    assert f'<a href="/users/bob/" class="mention" data-user="{bob.pk}" target="_blank"' in html
    assert "/users/carol/" not in html and "@carol" in html
    assert f'data-mentions=" {bob.pk}"' in html
    # Bob's page marks it for him with a rule only his page has.
    bob_html = client_for(bob).get("/rooms/book-club/").content.decode()
    assert f'[data-mentions~="{bob.pk}"] .msg-mentions-you' in bob_html
    assert "mentions you" in bob_html


def test_the_mentions_page_lists_mentions_in_rooms_you_can_still_read(
    client_for, alice, bob, book_club, garden
) -> None:
    older = _say(garden, alice, "@bob look at the roses")
    newer = _say(book_club, alice, "@bob chapter two?")
    _say(garden, alice, "no mention here")
    html = client_for(bob).get("/mentions/").content.decode()
    assert 'href="/mentions/"' in html and ">Mentions</a>" in html  # in the header
    assert html.index("chapter two?") < html.index("look at the roses")
    assert f"#msg-{newer.pk}" in html and f"#msg-{older.pk}" in html
    assert "Book club" in html and "alice" in html
    # Each links to the message's permalink, and names its author as messages do.
    assert f'href="{newer.get_absolute_url()}"' in html
    alice.display_name = "Alice L."
    alice.save()
    assert "from Alice L. in Book club" in client_for(bob).get("/mentions/").content.decode()
    assert "no mention here" not in html
    # Removed from the private room: its mention goes from the list.
    Membership.objects.filter(room=book_club, user=bob).delete()
    html = client_for(bob).get("/mentions/").content.decode()
    assert "chapter two?" not in html and "look at the roses" in html
