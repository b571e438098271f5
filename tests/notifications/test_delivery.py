"""Email about messages people have not read, through a real worker and SMTP server."""

from __future__ import annotations

import asyncio
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from notifications.models import Notification
from rooms import direct, services
from rooms.models import Membership
from tests.notifications.conftest import verified_email, wait_settled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def dm(alice, bob):
    """Alice's direct conversation with Bob (All messages, the default for direct ones)."""
    return direct.conversation_start(user=alice, usernames=["bob"])


def test_three_direct_messages_within_the_delay_make_one_email(
    worker, inbox, short_delay, dm, alice, bob
) -> None:
    bob_address = verified_email(bob)
    verified_email(alice)
    bob.time_zone = "Asia/Tokyo"
    bob.save()
    alice.display_name = "Alice Liddell"
    alice.save()
    for body in ["Are you there?", "The build is red.", "Call me <when> you can & soon"]:
        services.message_create(room=dm, author=alice, body=body)

    [mail] = inbox.wait_for_mail(1)
    assert mail["To"] == bob_address
    assert mail["From"] == "Chatrooms <chatrooms@localhost>"
    assert mail["Subject"] == "3 new messages from alice"  # the conversation, as its list shows it
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in ["Are you there?", "The build is red.", "Call me <when> you can & soon"]:
        assert body in text
    assert "Call me &lt;when&gt; you can &amp; soon" in html
    first = dm.messages.order_by("id").first()
    # Author and time of each message, in the reader's time zone.
    tokyo = timezone.localtime(first.created_at, ZoneInfo("Asia/Tokyo"))
    assert f"Alice Liddell, {tokyo:%a} {tokyo.day} {tokyo:%b, %H:%M} JST" in text
    link = rf"http://127\.0\.0\.1:8000/rooms/{dm.slug}/[^\s\"]*#msg-{first.pk}"
    assert re.search(link, text), "a link to the first unread message"
    assert re.search(f'href="{link}"', html)
    unsubscribe = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("http://127.0.0.1:8000/notifications/unsubscribe/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text

    # Nothing else arrives: the batch is settled, and alice (the author) gets no email.
    [batch] = wait_settled(count=1)
    assert batch.outcome == Notification.Outcome.SENT
    time.sleep(0.5)
    assert len(inbox.messages) == 1


def test_removed_from_the_room_before_the_delay_gets_no_email(
    worker, inbox, short_delay, private_room, alice, bob, carol
) -> None:
    Membership.objects.bulk_create([
        Membership(room=private_room, user=bob, notify_level="all"),
        Membership(room=private_room, user=carol, notify_level="all"),
    ])
    verified_email(bob)
    carol_address = verified_email(carol)
    services.message_create(room=private_room, author=alice, body="Secret plans")
    Membership.objects.filter(room=private_room, user=bob).delete()

    [mail] = inbox.wait_for_mail(1)
    assert mail["To"] == carol_address
    batches = wait_settled(count=2)
    assert {b.user_id: b.outcome for b in batches} == {
        bob.pk: Notification.Outcome.SKIPPED, carol.pk: Notification.Outcome.SENT,
    }
    assert inbox.to("bob@example.com") == []


async def test_a_message_sent_over_a_socket_opens_a_batch_for_the_reader(dm, alice, bob) -> None:
    """A send from a socket checks for readers to email off the process's database thread
    (rooms.publisher.run_soon): the batch still opens, for the reader only."""
    from channels.db import database_sync_to_async

    from tests.conftest import connect, receive_until, send_json

    await database_sync_to_async(verified_email)(bob)
    await database_sync_to_async(verified_email)(alice)
    async with connect(alice, dm.slug) as ws:
        await send_json(ws, action="send", body="Are you there?", key="k1")
        await receive_until(ws, "Are you there?")
        batches = database_sync_to_async(
            lambda: list(Notification.objects.values_list("user_id", "room_id", "closed_at"))
        )
        deadline = time.monotonic() + 10
        while not (found := await batches()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    assert found == [(bob.pk, dm.pk, None)]
