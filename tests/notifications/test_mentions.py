"""Mentions: emailed when unread after the delay, never when read in time."""

from __future__ import annotations

import re
import time

import pytest

from notifications.models import Notification
from rooms import readstate, services
from rooms.models import Membership, Room
from tests.conftest import add_members
from tests.notifications.conftest import verified_email, wait_settled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def garden(alice, bob, carol) -> Room:
    """A public room whose members hear about mentions only (the default for rooms)."""
    room = Room.objects.create(name="Garden Club", slug="garden-club", creator=alice)
    return add_members(room, alice, bob, carol)


def test_a_mention_while_away_is_emailed_once_after_the_delay(
    worker, inbox, short_delay, garden, alice, bob, carol
) -> None:
    bob_address = verified_email(bob)
    verified_email(carol)
    services.message_create(room=garden, author=alice, body="Morning all")
    message = services.message_create(room=garden, author=alice, body="@bob the roses need you")

    [mail] = inbox.wait_for_mail(1)
    assert mail["To"] == bob_address
    assert mail["Subject"] == "1 new message in Garden Club"
    text = mail.get_body(("plain",)).get_content()
    assert "@bob the roses need you" in text and "Morning all" not in text
    link = rf"http://127\.0\.0\.1:8000/rooms/garden-club/[^\s\"]*#msg-{message.pk}"
    assert re.search(link, text), "a link to the message (its permalink)"
    html = mail.get_body(("html",)).get_content()
    assert re.search(f'href="{link}"', html)
    [batch] = wait_settled(count=1)
    assert batch.user == bob and batch.outcome == Notification.Outcome.SENT
    time.sleep(0.5)
    assert len(inbox.messages) == 1, "carol was not mentioned, alice wrote it"


def test_a_mention_read_before_the_delay_is_not_emailed(
    worker, inbox, short_delay, garden, alice, bob
) -> None:
    verified_email(bob)
    message = services.message_create(room=garden, author=alice, body="@bob lunch?")
    # Bob reads it (a tab open on the room records this) before the delay ends.
    readstate.read_mark(room_id=garden.pk, user_id=bob.pk, seq=message.seq)

    [batch] = wait_settled(count=1)
    assert batch.outcome == Notification.Outcome.READ
    assert Membership.objects.get(room=garden, user=bob).last_read_seq >= message.created_seq
    time.sleep(0.5)
    assert inbox.messages == []
