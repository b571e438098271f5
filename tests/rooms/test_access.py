"""Who may see a room: the selectors every path asks, and the paths that ask them."""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.db import connection

from rooms import access, services
from rooms.models import Membership, Message, Room
from tests.conftest import add_members, connect

pytestmark = pytest.mark.django_db


def test_public_rooms_are_open_to_every_signed_in_user(alice, bob, lobby) -> None:
    assert access.room_for_user(slug="lobby", user=bob) == lobby
    assert access.can_read(room=lobby, user=bob)
    assert not access.is_member(room=lobby, user=bob)


def test_private_and_direct_rooms_exist_only_for_members(
    alice, bob, carol, private_room, direct_room
) -> None:
    assert access.room_for_user(slug=private_room.slug, user=alice) == private_room
    assert access.room_for_user(slug=private_room.slug, user=bob) is None
    assert access.room_for_user(slug=direct_room.slug, user=bob) == direct_room
    assert access.room_for_user(slug=direct_room.slug, user=carol) is None
    assert access.room_for_user(slug="no-such-room", user=alice) is None
    assert access.is_member(room=private_room, user=alice)
    assert not access.is_member(room=private_room, user=bob)
    assert not access.can_read(room=direct_room, user=carol)


def test_nobody_signed_out_or_deactivated_sees_anything(
    alice, lobby, private_room
) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert access.room_for_user(slug="lobby", user=AnonymousUser()) is None
    assert not access.readable_rooms(AnonymousUser()).exists()
    alice.is_active = False
    alice.save()
    assert access.room_for_user(slug=private_room.slug, user=alice) is None
    assert not access.readable_rooms(alice).exists()


def test_room_and_membership_in_one_query(
    alice, private_room, django_assert_num_queries
) -> None:
    with django_assert_num_queries(1):
        room = access.room_for_user(slug=private_room.slug, user=alice)
        assert room is not None and room.viewer_is_member


def test_readable_rooms_are_public_ones_and_your_own(
    alice, bob, carol, lobby, private_room, direct_room
) -> None:
    assert set(access.readable_rooms(alice)) == {lobby, private_room, direct_room}
    assert set(access.readable_rooms(bob)) == {lobby, direct_room}
    assert set(access.readable_rooms(carol)) == {lobby}


def test_services_refuse_changes_from_outside(alice, bob, private_room) -> None:
    message = services.message_create(room=private_room, author=alice, body="secret")
    with pytest.raises(PermissionDenied, match="no longer a member"):
        services.message_create(room=private_room, author=bob, body="let me in")
    Membership.objects.filter(room=private_room, user=alice).delete()
    with pytest.raises(PermissionDenied):
        services.message_edit(room=private_room, user=alice, message_id=message.pk, body="x")
    with pytest.raises(PermissionDenied):
        services.message_delete(room=private_room, user=alice, message_id=message.pk)
    assert list(Message.objects.values_list("body", flat=True)) == ["secret"]


def test_the_creator_of_a_room_is_its_first_member(alice) -> None:
    room = services.room_create(creator=alice, name="Book club")
    assert room.kind == Room.Kind.PUBLIC
    assert list(room.memberships.values_list("user__username", flat=True)) == ["alice"]


def test_existing_authors_and_creators_become_members(alice, bob, carol) -> None:
    """The data migration, run against rooms that predate membership."""
    import importlib

    migration = importlib.import_module("rooms.migrations.0004_members_from_authors")
    lobby = Room.objects.create(name="Old lobby", slug="old-lobby")
    corner = Room.objects.create(name="Corner", slug="corner", creator=carol)
    Message.objects.create(room=lobby, author=alice, body="hi")
    Message.objects.create(room=lobby, author=alice, body="again")
    Message.objects.create(room=corner, author=bob, body="hello")
    add_members(corner, bob)  # already a member: kept once
    migration.authors_become_members(django_apps, connection.schema_editor())
    pairs = set(Membership.objects.values_list("room__slug", "user__username"))
    assert pairs == {("old-lobby", "alice"), ("corner", "bob"), ("corner", "carol")}
    assert set(Room.objects.values_list("kind", flat=True)) == {Room.Kind.PUBLIC}


# ----------------------------------------------------------------- every path of a room
def room_paths(room: Room, message: Message) -> list[tuple[str, str]]:
    base = f"/rooms/{room.slug}"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/?before={message.pk}"),
        ("get", f"{base}/messages/older/?before={message.pk}"),
        ("post", f"{base}/messages/"),
        ("get", f"{base}/messages/{message.pk}/"),
        ("get", f"{base}/messages/{message.pk}/edit/"),
        ("post", f"{base}/messages/{message.pk}/edit/"),
        ("post", f"{base}/messages/{message.pk}/delete/"),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_outsiders_get_404_on_every_path(
    alice, bob, carol, private_room, direct_room, client_for, htmx
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    cases = [
        (private_room, bob, services.message_create(room=private_room, author=alice, body="a")),
        (direct_room, carol, services.message_create(room=direct_room, author=bob, body="b")),
    ]
    for room, outsider, message in cases:
        client = client_for(outsider)
        for method, url in room_paths(room, message):
            data = {"body": "forged"} if method == "post" else None
            response = getattr(client, method)(url, data, headers=headers)
            assert response.status_code == 404, (method, url)
    assert Message.objects.count() == 2
    assert not Message.objects.filter(body="forged").exists()
    # ...while the members get in.
    assert client_for(alice).get(f"/rooms/{private_room.slug}/").status_code == 200
    assert client_for(bob).get(f"/rooms/{direct_room.slug}/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_outsiders_handshake_is_refused(
    alice, bob, carol, lobby, private_room, direct_room
) -> None:
    for room, outsider in [(private_room, bob), (direct_room, carol)]:
        with pytest.raises(AssertionError, match="refused"):
            async with connect(outsider, room.slug):
                pass
    async with connect(alice, private_room.slug), connect(carol, "lobby"):
        pass


def test_room_page_costs_at_most_one_more_query(
    client_for, alice, bob, lobby, private_room, direct_room, django_assert_num_queries
) -> None:
    """Today's page runs four (session, user, room, messages): membership is in the room's
    query; a direct room's title costs one more; joining a public room one, once. The
    sidebar's rooms with their unread counts cost one, their direct rooms' titles one."""
    client = client_for(alice)
    client.get("/")  # warm the session
    with django_assert_num_queries(4 + 2):
        assert client.get(f"/rooms/{private_room.slug}/").status_code == 200
    with django_assert_num_queries(5 + 2):
        assert client.get(f"/rooms/{direct_room.slug}/").status_code == 200
    with django_assert_num_queries(5 + 2):
        assert client.get("/rooms/lobby/").status_code == 200  # joins
    with django_assert_num_queries(4 + 2):
        assert client.get("/rooms/lobby/").status_code == 200
