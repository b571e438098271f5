"""Notification levels, the email switch and the one-click unsubscribe, over HTTP."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from notifications.tokens import unsubscribe_token
from rooms.models import Membership

pytestmark = pytest.mark.django_db


def _level(room, user) -> str:
    return Membership.objects.get(room=room, user=user).notify_level


def test_a_member_sets_notify_me_about(client_for, private_room, alice) -> None:
    client = client_for(alice)
    url = reverse("notifications:level", args=[private_room.slug])
    response = client.post(url, {"notify_level": "nothing"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Saved." in response.text and 'value="nothing" selected' in response.text
    assert _level(private_room, alice) == "nothing"

    response = client.post(url, {"notify_level": "all", "next": "/rooms/"})
    assert response.status_code == 302 and response["Location"] == "/rooms/"
    assert _level(private_room, alice) == "all"

    assert client.post(url, {"notify_level": "loud"}).status_code == 400
    assert _level(private_room, alice) == "all"


def test_the_form_offers_the_three_levels(rf, private_room, alice) -> None:
    from django.template import Context, Template

    request = rf.get("/")
    request.user = alice
    html = Template("{% load notifications %}{% notify_level_form room %}").render(
        Context({"request": request, "room": private_room})
    )
    assert '<label for="id_notify_level"' in html and "Notify me about" in html
    for label in ("All messages", "Mentions", "Nothing"):
        assert f">{label}</option>" in html
    assert 'value="mentions" selected' in html


def test_no_level_for_a_room_one_cannot_see(client_for, private_room, bob) -> None:
    url = reverse("notifications:level", args=[private_room.slug])
    assert client_for(bob).post(url, {"notify_level": "all"}).status_code == 404


def test_one_click_unsubscribe_needs_no_session(private_room, alice) -> None:
    Membership.objects.filter(room=private_room, user=alice).update(notify_level="all")
    url = reverse("notifications:unsubscribe", args=[
        unsubscribe_token(user_id=alice.pk, room_id=private_room.pk)
    ])
    mail_client = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token
    page = mail_client.get(url)
    assert page.status_code == 200 and "Unsubscribe</button>" in page.text
    assert _level(private_room, alice) == "all", "opening the link changes nothing"

    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "no more email about" in response.text
    assert _level(private_room, alice) == "nothing"


def test_a_forged_or_expired_token_changes_nothing(settings, private_room, alice, bob) -> None:
    Membership.objects.filter(room=private_room, user=alice).update(notify_level="all")
    token = unsubscribe_token(user_id=alice.pk, room_id=private_room.pk)
    client = Client(enforce_csrf_checks=True)
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # altered signature
        unsubscribe_token(user_id=bob.pk, room_id=private_room.pk).split(":")[0]
        + ":" + token.split(":", 1)[1],  # someone else's payload under alice's signature
        "not-a-token",
    ]
    for bad in forged:
        response = client.post(reverse("notifications:unsubscribe", args=[bad]))
        assert response.status_code == 400 and "does not work" in response.text
    settings.CHAT_UNSUBSCRIBE_MAX_AGE = -1  # every token is older than that
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert _level(private_room, alice) == "all"



def test_the_settings_page_has_the_email_switch_and_the_address_pages(client_for, alice) -> None:
    client = client_for(alice)
    page = client.get("/accounts/profile/").text
    assert '<label for="id_email_notifications"' in page and "Email notifications" in page
    assert 'name="email_notifications" id="id_email_notifications" checked' in page
    assert 'href="/accounts/email/"' in page
    assert client.get("/accounts/email/").status_code == 200
    response = client.post("/accounts/profile/", {"display_name": "", "time_zone": "UTC"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.email_notifications is False
    client.post("/accounts/profile/", {"time_zone": "UTC", "email_notifications": "on"})
    alice.refresh_from_db()
    assert alice.email_notifications is True


def test_the_members_page_has_notify_me_about(client_for, alice, bob) -> None:
    from rooms import direct

    dm = direct.conversation_start(user=alice, usernames=["bob"])
    page = client_for(bob).get(f"/rooms/{dm.slug}/members/").text
    assert "Notify me about" in page
    assert 'value="all" selected>All messages</option>' in page, "the default for direct rooms"
    response = client_for(bob).post(
        reverse("notifications:level", args=[dm.slug]),
        {"notify_level": "mentions", "next": f"/rooms/{dm.slug}/members/"},
    )
    assert response["Location"] == f"/rooms/{dm.slug}/members/"
    page = client_for(bob).get(f"/rooms/{dm.slug}/members/").text
    assert 'value="mentions" selected>Mentions</option>' in page
