"""Pages and the plain-HTTP path (no websocket needed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rooms.models import Message, Room

pytestmark = pytest.mark.django_db


def _fill(room: Room, author, count: int) -> list[Message]:
    start = room.last_seq
    messages = Message.objects.bulk_create(
        Message(room=room, author=author, body=f"message {i}", body_html=f"<p>message {i}</p>",
                seq=start + i + 1, created_seq=start + i + 1)
        for i in range(count)
    )
    Room.objects.filter(pk=room.pk).update(last_seq=start + count)
    room.refresh_from_db()
    return messages


def test_anonymous_visitors_get_the_login_page(client) -> None:
    for url in ["/rooms/", "/rooms/lobby/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.get("/")["Location"] == "/accounts/login/"


def test_home_takes_a_signed_in_user_to_the_rooms(client_for, alice) -> None:
    assert client_for(alice).get("/")["Location"] == "/rooms/"


def test_rooms_list_newest_activity_first(client_for, alice, lobby) -> None:
    from rooms import services

    quiet = services.room_create(creator=alice, name="Quiet corner")
    busy = services.room_create(creator=alice, name="Busy street")
    services.message_create(room=quiet, author=alice, body="finally")
    html = client_for(alice).get("/rooms/").content.decode()
    assert html.index("Quiet corner") < html.index("Busy street")
    assert f'href="{busy.get_absolute_url()}"' in html
    assert 'href="/rooms/lobby/"' in html
    assert "Room name" in html and "Create room" in html


def test_create_room_takes_you_in(client_for, alice) -> None:
    response = client_for(alice).post("/rooms/", {"name": "Book club"})
    assert response.status_code == 302 and response["Location"] == "/rooms/book-club/"
    room = Room.objects.get(slug="book-club")
    assert room.creator == alice and room.name == "Book club"


@pytest.mark.parametrize(
    ("name", "error"),
    [("", "Give the room a name"), ("Lobby", "already exists"),
     ("x" * 61, "at most 60 characters")],
)
def test_create_room_errors_are_shown(client_for, alice, lobby, name, error) -> None:
    response = client_for(alice).post("/rooms/", {"name": name})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Room.objects.count() == 1


def test_room_page_shows_the_latest_50_oldest_first(client_for, alice, lobby) -> None:
    _fill(lobby, alice, 60)
    response = client_for(alice).get("/rooms/lobby/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and ">Lobby</h1>" in html
    assert 'role="log"' in html and 'aria-label="Messages"' in html
    assert html.count("<article") == 50
    assert "message 9<" not in html and html.index("message 10<") < html.index("message 59<")
    assert "Load older messages" in html
    assert 'ws-connect="/ws/rooms/lobby/"' in html
    assert 'aria-label="Online"' in html
    assert 'id="cursor" name="after" value="60"' in html


def test_empty_room_says_so(client_for, alice, lobby) -> None:
    html = client_for(alice).get("/rooms/lobby/").content.decode()
    assert "No messages yet" in html and "Load older messages" not in html


def test_unknown_room_is_404(client_for, alice) -> None:
    assert client_for(alice).get("/rooms/nowhere/").status_code == 404


def test_load_older_pages_back_50_at_a_time(client_for, alice, lobby) -> None:
    messages = _fill(lobby, alice, 120)
    client = client_for(alice)
    url = reverse("rooms:messages_older", kwargs={"slug": "lobby"})
    html = client.get(url, {"before": messages[70].pk}, headers={"HX-Request": "true"}).content.decode()
    assert html.count("<article") == 50
    assert html.index("message 20<") < html.index("message 69<")
    assert "message 70<" not in html and "Load older messages" in html
    html = client.get(url, {"before": messages[20].pk}).content.decode()
    assert html.count("<article") == 20 and "Load older messages" not in html
    assert client.get(url, {"before": "junk"}).status_code == 400


@pytest.mark.parametrize("history", [10, 1000])
def test_query_counts_do_not_grow_with_history(
    client_for, alice, lobby, django_assert_num_queries, history
) -> None:
    messages = _fill(lobby, alice, history)
    client = client_for(alice)
    client.get("/rooms/lobby/")  # warm the session
    # session, user, room, page of messages, their mentions, their reactions, the
    # sidebar's rooms with unread counts (nobody is online: no usernames query; nothing
    # unread: no write)
    with django_assert_num_queries(7):
        assert client.get("/rooms/lobby/").status_code == 200
    url = reverse("rooms:messages_older", kwargs={"slug": "lobby"})
    # session, user, room, page of messages, their mentions, their reactions
    with django_assert_num_queries(6):
        client.get(url, {"before": messages[-1].pk})


def test_plain_http_post_sends_a_message(client_for, alice, lobby) -> None:
    client = client_for(alice)
    response = client.post("/rooms/lobby/messages/", {"body": "no javascript here"})
    assert response.status_code == 302 and response["Location"] == "/rooms/lobby/"
    assert Message.objects.get().body == "no javascript here"
    html = client.get("/rooms/lobby/").content.decode()
    assert "no javascript here" in html


def test_plain_http_post_errors_are_shown(client_for, alice, lobby) -> None:
    response = client_for(alice).post("/rooms/lobby/messages/", {"body": "   "})
    assert response.status_code == 400
    assert "Type a message before sending." in response.content.decode()
    assert not Message.objects.exists()


def test_edit_and_delete_over_http(client_for, alice, bob, lobby) -> None:
    from rooms import services

    message = services.message_create(room=lobby, author=alice, body="typo")
    alice_client, bob_client = client_for(alice), client_for(bob)
    edit_url = reverse("rooms:message_edit", kwargs={"slug": "lobby", "message_id": message.pk})
    delete_url = reverse("rooms:message_delete", kwargs={"slug": "lobby", "message_id": message.pk})
    form = alice_client.get(edit_url, headers={"HX-Request": "true"}).content.decode()
    assert "Edit message" in form and ">typo</textarea>" in form and "Save" in form and "Cancel" in form
    # Refusals to htmx are answers shown under the message: never an error status, which
    # django-htmx's debug script (DEBUG) would turn into a whole-page error.
    refused = bob_client.get(edit_url, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and refused["HX-Retarget"] == f"#msg-{message.pk}"
    assert "not allowed to edit" in refused.content.decode()
    assert "Edit message" not in refused.content.decode()
    assert bob_client.post(edit_url, {"body": "bob was here"}).status_code == 403
    refused = bob_client.post(delete_url, headers={"HX-Request": "true"})
    assert refused.status_code == 200 and refused["HX-Reswap"] == "beforeend"
    assert "not allowed to delete" in refused.content.decode()
    assert alice_client.post(edit_url, {"body": "fixed"}).status_code == 302
    message.refresh_from_db()
    assert message.body == "fixed" and message.is_edited
    response = alice_client.post(delete_url, headers={"HX-Request": "true"})
    # The tombstone comes over the socket; the answer keeps focus where the message was.
    assert response.status_code == 200 and "Message deleted." in response.content.decode()
    message.refresh_from_db()
    assert message.is_deleted and message.body == ""
    html = alice_client.get("/rooms/lobby/").content.decode()
    assert "This message was deleted" in html and "fixed" not in html


def test_controls_are_shown_per_viewer_by_a_page_style(client_for, alice, bob) -> None:
    from rooms import services

    room = services.room_create(creator=alice, name="Alice's room")
    services.message_create(room=room, author=bob, body="hello")
    alice_html = client_for(alice).get(room.get_absolute_url()).content.decode()
    bob_html = client_for(bob).get(room.get_absolute_url()).content.decode()
    # Same message markup for both; the style block differs.
    assert f'[data-author="{alice.pk}"] .msg-edit' in alice_html
    assert ", #messages .msg-delete {" in alice_html  # creator moderates
    assert f'[data-author="{bob.pk}"] .msg-edit' in bob_html
    assert ", #messages .msg-delete {" not in bob_html


def test_text_is_escaped_and_links_are_safe(client_for, alice, lobby) -> None:
    from rooms import services

    services.message_create(
        room=lobby, author=alice,
        body='<img src=x onerror="alert(1)"> {{ user }} see https://example.com/a?b=1\nline two',
    )
    html = client_for(alice).get("/rooms/lobby/").content.decode()
    assert '&lt;img src=x onerror="alert(1)"&gt;' in html
    assert "<img src=x" not in html
    assert "{{ user }}" in html
    assert (
        '<a href="https://example.com/a?b=1" target="_blank" rel="nofollow noopener noreferrer"'
        in html
    )
    assert "<br>\nline two" in html
    assert "hx-disable" in html


def test_message_control_urls_match_the_url_patterns(alice, lobby) -> None:
    from rooms import services

    message = services.message_create(room=lobby, author=alice, body="hi")
    kwargs = {"slug": "lobby", "message_id": message.pk}
    assert message.get_edit_url() == reverse("rooms:message_edit", kwargs=kwargs)
    assert message.get_delete_url() == reverse("rooms:message_delete", kwargs=kwargs)
