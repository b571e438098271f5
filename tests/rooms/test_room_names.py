"""Room names in any script, URLs that work for them, and names that must differ."""

from __future__ import annotations

import threading
from urllib.parse import quote

import pytest
from django.db import connections, transaction

from rooms import services
from rooms.models import Room


@pytest.mark.parametrize(
    ("name", "slug"),
    [("日本語チャット", "日本語チャット"), ("مرحبا بالعالم", "مرحبا-بالعالم"), ("עברית", "עברית"),
     ("🎉🎉", "room"), ("Café ☕", "café")],
)
def test_names_in_any_script_make_rooms_you_can_open(client_for, alice, name, slug) -> None:
    client = client_for(alice)
    response = client.post("/rooms/", {"name": name})
    assert response.status_code == 302, response.content.decode()[:300]
    room = Room.objects.get(name=name)
    assert room.slug == slug
    assert response["Location"] == f"/rooms/{quote(slug)}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "<h1" in page.content.decode()
    assert name in page.content.decode()


def test_names_that_slugify_alike_are_different_rooms(client_for, alice) -> None:
    client = client_for(alice)
    for name in ("C#", "C++", "cafe", "Café ☕", "Cafe!"):
        assert client.post("/rooms/", {"name": name}).status_code == 302, name
    slugs = dict(Room.objects.values_list("name", "slug"))
    assert slugs["C#"] == "c" and slugs["C++"] == "c-2"
    assert slugs["cafe"] == "cafe" and slugs["Café ☕"] == "café" and slugs["Cafe!"] == "cafe-2"
    # The same name, whatever its case, is the same room.
    response = client.post("/rooms/", {"name": "c++"})
    assert response.status_code == 400 and "already exists" in response.content.decode()


@pytest.mark.parametrize("name", ["\u200b", "\u2800\u2800", "\u3164", "\u200e\u200f", " \ufe0f "])
def test_an_invisible_room_name_is_refused(client_for, alice, name) -> None:
    response = client_for(alice).post("/rooms/", {"name": name})
    assert response.status_code == 400 and "Give the room a name" in response.content.decode()
    assert not Room.objects.exclude(slug="lobby").exists()


def test_a_url_in_other_case_finds_the_room(client_for, alice) -> None:
    services.room_create(creator=alice, name="Book club")
    response = client_for(alice).get("/rooms/Book-Club/")
    assert response.status_code == 302 and response["Location"] == "/rooms/book-club/"
    assert client_for(alice).get("/rooms/Nothing-Here/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_people_creating_the_same_name_at_once_get_already_exists(client_for, alice, bob) -> None:
    """bob's room is being created (not yet committed) while alice's request checks the
    name: her check cannot see it, so the database refuses her row. That was a 500."""
    inserted, release = threading.Event(), threading.Event()

    def bob_creates() -> None:
        try:
            with transaction.atomic():
                Room.objects.create(name="Book club", slug="book-club", creator=bob)
                inserted.set()
                release.wait(timeout=10)
        finally:
            connections.close_all()

    other = threading.Thread(target=bob_creates)
    other.start()
    assert inserted.wait(timeout=10)
    threading.Timer(0.5, release.set).start()  # commit while alice's insert waits for it
    response = client_for(alice).post("/rooms/", {"name": "Book club"})
    other.join(timeout=10)
    assert response.status_code == 400
    assert "A room with that name already exists." in response.content.decode()
    assert list(Room.objects.filter(name="Book club").values_list("creator", flat=True)) == [bob.pk]
