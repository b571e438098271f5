"""Private rooms, the members page, leaving and joining: over plain HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rooms import services
from rooms.models import Membership, Room
from tests.conftest import add_members

pytestmark = pytest.mark.django_db


def members_of(room: Room) -> list[str]:
    return sorted(room.memberships.values_list("user__username", flat=True))


def listed_members(html: str) -> list[str]:
    block = html.split('aria-label="Members"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="/users/([^/]+)/"', block)


def test_creating_a_private_room(client_for, alice, bob) -> None:
    client: Client = client_for(alice)
    page = client.get("/rooms/").content.decode()
    assert "Private (invite only)" in page and "Room name" in page and "Create room" in page
    response = client.post("/rooms/", {"name": "Secret plans", "private": "on"})
    room = Room.objects.get(name="Secret plans")
    assert response["Location"] == f"/rooms/{room.slug}/"
    assert (room.kind, room.creator, members_of(room)) == ("private", alice, ["alice"])
    assert client_for(bob).get(f"/rooms/{room.slug}/").status_code == 404
    # Nothing about a public room of the same name hints at the private one.
    assert client_for(bob).post("/rooms/", {"name": "Secret plans"})["Location"] == (
        "/rooms/secret-plans/"
    )
    assert Room.objects.get(slug="secret-plans").kind == "public"


def test_opening_a_public_room_makes_you_a_member(client_for, alice, bob, lobby) -> None:
    client = client_for(bob)
    assert members_of(lobby) == []
    assert client.get("/rooms/lobby/members/").status_code == 404  # members only
    client.get("/rooms/lobby/")
    client.get("/rooms/lobby/")
    assert members_of(lobby) == ["bob"]
    assert client.get("/rooms/lobby/members/").status_code == 200


def test_members_page_for_the_owner_and_for_members(
    client_for, alice, bob, carol, private_room
) -> None:
    add_members(private_room, bob)
    url = f"/rooms/{private_room.slug}/members/"
    assert f'href="{url}"' in client_for(bob).get(f"/rooms/{private_room.slug}/").content.decode()
    owner = client_for(alice).get(url).content.decode()
    assert listed_members(owner) == ["alice", "bob"]
    assert "Username" in owner and "Add member" in owner and "Leave room" in owner
    assert owner.count(">Remove</button>") == 1  # beside bob, not beside herself
    member = client_for(bob).get(url).content.decode()
    assert listed_members(member) == ["alice", "bob"]
    assert "Add member" not in member and ">Remove<" not in member and "Leave room" in member
    assert client_for(carol).get(url).status_code == 404


@pytest.mark.parametrize(
    ("who", "username", "status", "error"),
    [
        ("alice", "nobody", 400, "There is no one called “nobody”."),
        ("alice", "bob", 400, "bob is already a member of this room."),
        ("bob", "carol", 403, "Only the room's owner can add or remove members."),
    ],
)
def test_adding_members_refused_clearly(
    client_for, alice, bob, carol, private_room, who, username, status, error
) -> None:
    add_members(private_room, bob)
    user = {"alice": alice, "bob": bob}[who]
    response = client_for(user).post(
        f"/rooms/{private_room.slug}/members/", {"username": username}
    )
    assert response.status_code == status
    assert error in response.content.decode().replace("&#x27;", "'")
    assert members_of(private_room) == ["alice", "bob"]


def test_owner_adds_and_removes(client_for, alice, bob, private_room) -> None:
    client = client_for(alice)
    url = f"/rooms/{private_room.slug}/members/"
    assert client.post(url, {"username": "bob"})["Location"] == url
    assert members_of(private_room) == ["alice", "bob"]
    assert client_for(bob).get(f"/rooms/{private_room.slug}/").status_code == 200
    assert client.post(f"{url}{bob.pk}/remove/")["Location"] == url
    assert members_of(private_room) == ["alice"]
    assert client_for(bob).get(f"/rooms/{private_room.slug}/").status_code == 404
    # A member cannot remove the owner.
    add_members(private_room, bob)
    assert client_for(bob).post(f"{url}{alice.pk}/remove/").status_code == 403
    assert members_of(private_room) == ["alice", "bob"]


def test_leaving_a_room(client_for, alice, bob, private_room) -> None:
    add_members(private_room, bob)
    client = client_for(bob)
    assert client.post(f"/rooms/{private_room.slug}/leave/")["Location"] == "/rooms/"
    assert members_of(private_room) == ["alice"]
    assert client.get(f"/rooms/{private_room.slug}/").status_code == 404


def test_direct_rooms_have_fixed_people(client_for, alice, bob, carol, direct_room) -> None:
    url = f"/rooms/{direct_room.slug}/members/"
    page = client_for(alice).get(url).content.decode()
    assert listed_members(page) == ["alice", "bob"]
    assert "Add member" not in page and ">Remove<" not in page and "Leave room" not in page
    assert client_for(alice).post(url, {"username": "carol"}).status_code == 403
    assert client_for(alice).post(f"{url}{bob.pk}/remove/").status_code == 403
    assert client_for(alice).post(f"/rooms/{direct_room.slug}/leave/").status_code == 403
    assert members_of(direct_room) == ["alice", "bob"]


def test_owner_moderates_but_direct_rooms_have_no_owner(alice, bob, private_room, direct_room) -> None:
    add_members(private_room, bob)
    message = services.message_create(room=private_room, author=bob, body="rude")
    services.message_delete(room=private_room, user=alice, message_id=message.pk)
    direct_room.creator = alice
    direct_room.save()
    message = services.message_create(room=direct_room, author=bob, body="mine")
    with pytest.raises(services.PermissionDenied):
        services.message_delete(room=direct_room, user=alice, message_id=message.pk)


def test_room_creation_is_rate_limited(client_for, alice, bob, settings) -> None:
    settings.CHAT_ROOM_CREATE_LIMIT = 2
    client = client_for(alice)
    for name in ["One", "Two"]:
        assert client.post("/rooms/", {"name": name}).status_code == 302
    response = client.post("/rooms/", {"name": "Three"})
    assert response.status_code == 429
    assert "You are creating rooms too quickly" in response.content.decode()
    # Conversations share the budget.
    assert client.post("/rooms/", {"people": "bob"}).status_code == 429
    assert not Room.objects.filter(slug="three").exists()
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()
    assert Membership.objects.filter(user=alice).count() == 2
