"""Direct rooms: profiles, the Message button, group conversations, the three lists."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from rooms import direct, services
from rooms.models import Room

pytestmark = pytest.mark.django_db


def list_titles(html: str, label: str) -> list[str]:
    block = html.split(f'aria-label="{label}"', 1)[1].split("</ul>", 1)[0]
    # Each room's title is its link's text.
    return re.findall(r'<a href="/rooms/[^"]*"[^>]*>([^<]*)</a>', block)


def test_profile_page_message_button_opens_one_room(client_for, alice, bob) -> None:
    page = client_for(alice).get("/users/bob/").content.decode()
    assert "<h1" in page and ">bob</h1>" in page
    form = page.split('name="people" value="bob"', 1)[0].rsplit("<form", 1)[1]
    assert 'method="post"' in form and ">Message</button>" in page
    first = client_for(alice).post("/rooms/", {"people": "bob"})["Location"]
    again = client_for(alice).post("/rooms/", {"people": "bob"})["Location"]
    back = client_for(bob).post("/rooms/", {"people": "alice"})["Location"]
    assert first == again == back
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert (room.name, room.creator) == ("", None)
    assert set(room.memberships.values_list("notify_level", flat=True)) == {"all"}
    html = client_for(alice).get(first).content.decode()
    assert '<h1 id="room-title"' in html and ">bob</h1>" in html


def test_no_message_button_for_yourself_and_no_profile_for_the_deactivated(
    client_for, alice, bob
) -> None:
    assert ">Message</button>" not in client_for(alice).get("/users/alice/").content.decode()
    response = client_for(alice).post("/rooms/", {"people": "alice"})
    assert response.status_code == 400 and "You cannot message yourself." in response.content.decode()
    bob.is_active = False
    bob.save()
    assert client_for(alice).get("/users/bob/").status_code == 404
    assert client_for(alice).get("/users/nobody/").status_code == 404
    response = client_for(alice).post("/rooms/", {"people": "bob"})
    assert "You cannot message bob: their account is deactivated." in response.content.decode()
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_group_conversations(make_user, alice, bob, carol) -> None:
    room = direct.conversation_start(user=alice, usernames=["bob", "carol"])
    assert direct.conversation_start(user=carol, usernames=["@bob", "alice", "bob"]) == room
    assert direct.conversation_start(user=bob, usernames=["alice"]) != room  # another set
    people = [make_user(f"p{i}").username for i in range(9)]
    assert direct.conversation_start(user=alice, usernames=people[:8]).kind == "direct"
    with pytest.raises(ValidationError, match="at most 8 other people"):
        direct.conversation_start(user=alice, usernames=people)
    with pytest.raises(ValidationError, match="no one called ghost, nemo"):
        direct.conversation_start(user=alice, usernames=["bob", "ghost", "nemo"])
    with pytest.raises(ValidationError, match="Name at least one person"):
        direct.conversation_start(user=alice, usernames=[])


def test_people_form_and_leaving_a_group(client_for, alice, bob, carol) -> None:
    client = client_for(alice)
    page = client.get("/rooms/").content.decode()
    assert "People" in page and "Start conversation" in page
    url = client.post("/rooms/", {"people": "bob, carol"})["Location"]
    assert client_for(carol).post("/rooms/", {"people": "alice bob"})["Location"] == url
    assert list_titles(client.get("/rooms/").content.decode(), "Direct messages") == ["bob, carol"]
    assert "Leave room" in client_for(bob).get(f"{url}members/").content.decode()
    assert client_for(bob).post(f"{url}leave/")["Location"] == "/rooms/"
    assert client_for(bob).get(url).status_code == 404
    assert list_titles(client.get("/rooms/").content.decode(), "Direct messages") == ["carol"]


@pytest.mark.django_db(transaction=True)
def test_both_sides_starting_at_once_get_one_room(make_user) -> None:
    pairs = [(make_user(f"a{i}"), make_user(f"b{i}")) for i in range(5)]
    barrier = threading.Barrier(2)
    rooms: list[Room] = []
    errors: list[BaseException] = []

    def start(me, other) -> None:
        try:
            barrier.wait(timeout=10)
            rooms.append(direct.conversation_start(user=me, usernames=[other.username]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    for a, b in pairs:
        threads = [threading.Thread(target=start, args=p) for p in [(a, b), (b, a)]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 5
    assert len({room.pk for room in rooms}) == 5
    for room in Room.objects.filter(kind=Room.Kind.DIRECT):
        assert room.memberships.count() == 2


def test_rooms_page_has_three_lists_newest_first(
    client_for, alice, bob, carol, lobby
) -> None:
    client = client_for(alice)
    html = client.get("/rooms/").content.decode()
    for label in ["Your rooms", "Direct messages", "Public rooms"]:
        assert f'aria-label="{label}"' in html
    assert list_titles(html, "Your rooms") == [] and list_titles(html, "Public rooms") == ["Lobby"]
    assert "You have not joined any rooms yet." in html and "No conversations yet." in html
    quiet = services.room_create(creator=alice, name="Quiet corner")
    services.room_create(creator=alice, name="Secret", private=True)
    services.room_create(creator=bob, name="Bobs den", private=True)
    services.room_create(creator=bob, name="Bobs open")
    with_bob = direct.conversation_start(user=bob, usernames=["alice"])
    direct.conversation_start(user=carol, usernames=["alice"])
    services.message_create(room=quiet, author=alice, body="finally")
    services.message_create(room=with_bob, author=bob, body="hi")
    html = client.get("/rooms/").content.decode()
    assert list_titles(html, "Your rooms") == ["Quiet corner", "Secret"]
    assert list_titles(html, "Direct messages") == ["bob", "carol"]
    assert list_titles(html, "Public rooms") == ["Bobs open", "Lobby"]
    assert "Bobs den" not in html
    assert "No other public rooms." not in html.split("Public rooms</h2>", 1)[1].split("hidden", 1)[0]
