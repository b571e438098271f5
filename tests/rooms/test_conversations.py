"""Reactions, replies, permalinks, days and grouping, local times, the transcript."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rooms import reactions, render, services, timeline
from rooms.models import Message, Room

pytestmark = pytest.mark.django_db


def _say(room: Room, user, body: str, **kwargs) -> Message:
    return services.message_create(room=room, author=user, body=body, **kwargs)


def _backdate(message: Message, when: dt.datetime) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=when)
    message.created_at = when


def test_reactions_toggle_bump_seq_and_vanish_with_the_message(alice, bob, lobby) -> None:
    message = _say(lobby, alice, "ship it?")
    seq = message.seq
    assert reactions.reaction_toggle(room=lobby, user=alice, message_id=message.pk, emoji="👍")
    assert reactions.reaction_toggle(room=lobby, user=bob, message_id=message.pk, emoji="👍")
    message.refresh_from_db()
    assert message.seq == seq + 2  # each change travels like an edit
    (summary,) = reactions.summarize(list(message.reactions.select_related("user")))
    assert summary.label == "👍 2: alice, bob" and summary.user_ids == f"{alice.pk} {bob.pk}"
    # Clicking your own reaction again takes it away.
    assert not reactions.reaction_toggle(room=lobby, user=alice, message_id=message.pk, emoji="👍")
    assert message.reactions.count() == 1
    with pytest.raises(ValidationError):
        reactions.reaction_toggle(room=lobby, user=bob, message_id=message.pk, emoji="💩")
    services.message_delete(room=lobby, user=alice, message_id=message.pk)
    assert message.reactions.count() == 0
    with pytest.raises(PermissionDenied):
        reactions.reaction_toggle(room=lobby, user=bob, message_id=message.pk, emoji="👍")


def test_reply_quotes_the_original_until_it_is_deleted(alice, bob, lobby, client_for) -> None:
    original = _say(lobby, alice, "x" * 150)
    reply = _say(lobby, bob, "agreed", reply_to_id=original.pk)
    assert reply.reply_to_id == original.pk
    html = client_for(bob).get("/rooms/lobby/").content.decode()
    assert f'href="/rooms/lobby/messages/{original.pk}/#msg-{original.pk}"' in html
    assert '<span class="line-clamp-2 opacity-90">' + "x" * 99 + "…</span>" in html
    services.message_delete(room=lobby, user=alice, message_id=original.pk)
    html = client_for(bob).get("/rooms/lobby/").content.decode()
    assert "Original message deleted" in html
    # The live frame of the delete also turns every quote of it into the notice.
    frame = render.event_frame(Message.objects.get(pk=original.pk), append=False)
    # (A page with no quote of it gives the notice to the hidden sink: no htmx error.)
    assert f'hx-swap-oob="outerHTML:.quote-of-{original.pk}, #oob-sink > :last-child"' in frame
    with pytest.raises(ValidationError, match="was deleted"):
        _say(lobby, bob, "too late", reply_to_id=original.pk)


def test_reply_to_a_message_of_another_room_is_refused(alice, lobby) -> None:
    other = Room.objects.create(name="Other", slug="other")
    elsewhere = _say(other, alice, "elsewhere")
    with pytest.raises(ValidationError):
        _say(lobby, alice, "hm", reply_to_id=elsewhere.pk)


def test_day_separators_and_grouping_at_midnight(alice, bob, lobby, client_for) -> None:
    midnight = timezone.now().astimezone(dt.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    ) - dt.timedelta(days=1)  # the midnight that began yesterday (UTC)
    before = _say(lobby, alice, "before midnight")
    _backdate(before, midnight - dt.timedelta(minutes=2))
    # Same author, 4 minutes later, past midnight: the group goes on, a new day starts.
    continues = timeline.continues_after(timeline.newest_in_room(lobby.pk), author_id=alice.pk, now=midnight + dt.timedelta(minutes=2)
    )
    after = _say(lobby, alice, "after midnight")
    _backdate(after, midnight + dt.timedelta(minutes=2))
    Message.objects.filter(pk=after.pk).update(continues=continues)
    _say(lobby, bob, "morning")
    html = client_for(bob).get("/rooms/lobby/").content.decode()
    day_before = timeline.day_label((midnight - dt.timedelta(days=1)).date(), midnight.date()
                                    + dt.timedelta(days=1))
    order = [f">{day_before}<", "before midnight", ">Yesterday<", "after midnight", ">Today<",
             "morning"]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions) and html.count('class="daysep"') == 3
    # Grouped under alice's name, but right after a separator (which shows the name again).
    assert re.search(rf'<div class="daysep"><span>Yesterday</span></div>\s*'
                     rf'<article id="msg-{after.pk}"[^>]* class="msg [^"]*msg-grouped', html)
    # Read from Tokyo (UTC+9), both fall on one day: 08:58 and 09:02.
    bob.time_zone = "Asia/Tokyo"
    bob.save()
    html = client_for(bob).get("/rooms/lobby/").content.decode()
    assert html.count('class="daysep"') == 2
    assert ">08:58<" in html and ">09:02<" in html


def test_live_frames_carry_every_zone_in_use(alice, bob, lobby) -> None:
    bob.time_zone = "Asia/Kolkata"
    bob.save()
    timeline.forget_audience_zones()
    message = _say(lobby, alice, "hello")
    frame = render.event_frame(message, append=True)
    utc = message.created_at.astimezone(dt.UTC).strftime("%H:%M")
    kolkata = message.created_at.astimezone(timeline.zone("Asia/Kolkata")).strftime("%H:%M")
    assert '<span class="tzv" data-z="Asia/Kolkata" title="' in frame
    assert f">{kolkata}</span>" in frame and f">{utc}</span>" in frame
    # The room's first message starts a day everywhere.
    assert 'class="daysep daysep-live" data-z="Asia/Kolkata UTC"' in frame


def test_separator_zones_follow_each_zone_s_midnight() -> None:
    previous = dt.datetime(2026, 11, 30, 23, 50, tzinfo=dt.UTC)
    instant = dt.datetime(2026, 12, 1, 0, 10, tzinfo=dt.UTC)
    zones = ["America/New_York", "Asia/Tokyo", "Europe/Paris", "UTC"]
    # 23:50 -> 00:10 crosses midnight in UTC only (Paris 00:50 -> 01:10, New York 18:50 ->
    # 19:10, Tokyo 08:50 -> 09:10).
    assert timeline.separator_zones(instant, previous, zones) == "UTC"
    assert timeline.separator_zones(instant, None, zones) == " ".join(zones)
    variants = timeline.time_variants(instant, ["Europe/Paris", "Europe/Berlin", "UTC"])
    assert [(v.zones, v.text) for v in variants] == [
        ("Europe/Paris Europe/Berlin", "01:10"), ("UTC", "00:10")
    ]


def test_a_message_continues_the_newest_by_the_five_minute_rule(alice, bob, lobby) -> None:
    first = _say(lobby, alice, "one")
    now = first.created_at
    assert timeline.continues_after(timeline.newest_in_room(lobby.pk), author_id=alice.pk, now=now)
    assert not timeline.continues_after(timeline.newest_in_room(lobby.pk), author_id=bob.pk, now=now)
    later = now + dt.timedelta(minutes=5, seconds=1)
    assert not timeline.continues_after(timeline.newest_in_room(lobby.pk), author_id=alice.pk, now=later)
    assert _say(lobby, alice, "two").continues


def test_day_labels() -> None:
    today = dt.date(2026, 12, 3)
    assert timeline.day_label(today, today) == "Today"
    assert timeline.day_label(dt.date(2026, 12, 2), today) == "Yesterday"
    assert timeline.day_label(dt.date(2026, 11, 30), today) == "Monday 30 November"
    assert timeline.day_label(dt.date(2025, 11, 30), today) == "Sunday 30 November 2025"


def _fill(room: Room, author, count: int) -> list[Message]:
    start = room.last_seq
    rows = Message.objects.bulk_create(
        Message(room=room, author=author, body=f"m{i}", body_html=f"<p>m{i}</p>",
                seq=start + i + 1, created_seq=start + i + 1)
        for i in range(count)
    )
    Room.objects.filter(pk=room.pk).update(last_seq=start + count)
    room.refresh_from_db()
    return rows


def test_permalink_opens_the_room_around_the_message(alice, lobby, client_for) -> None:
    rows = _fill(lobby, alice, 120)
    client = client_for(alice)
    target = rows[60]
    assert target.get_absolute_url() == f"/rooms/lobby/messages/{target.pk}/#msg-{target.pk}"
    html = client.get(target.get_absolute_url()).content.decode()
    assert html.count("<article") == 51
    assert ">m35<" in html and ">m34<" not in html and ">m85<" in html and ">m86<" not in html
    assert "Load older messages" in html and "Load newer messages" in html
    # Opened without #msg-N too, the message is brought into view and marked: focus starts
    # just before it, not in the composer.
    assert re.search(rf'<span id="linked" tabindex="-1" autofocus[^>]*>Linked message</span>'
                     rf'<article id="msg-{target.pk}"', html)
    assert 'id="composer-body"' in html and "autofocus enterkeyhint" not in html
    assert re.search(r'<a href="/rooms/lobby/"[^>]*>Jump to latest</a>', html)
    # A page of history has no live tail in its log: live messages are not appended out of
    # order (they go out of sight, so htmx finds a target and logs no error).
    log = html[html.index('id="messages"'):html.index('id="oob-sink"')]
    assert 'id="live-tail"' not in log and 'id="new-below-flag"' in html
    assert '<div hidden><div id="live-tail"></div></div>' in html
    newer = client.get("/rooms/lobby/messages/newer/", {"after": rows[85].pk},
                       headers={"HX-Request": "true"}).content.decode()
    assert newer.count("<article") == 34 and ">m86<" in newer and "Load newer" not in newer
    assert client.get("/rooms/lobby/messages/newer/", {"after": "x"}).status_code == 400
    # The message's fragment (what Cancel puts back after an edit) moved under it.
    fragment = client.get(f"/rooms/lobby/messages/{target.pk}/fragment/").content.decode()
    assert fragment.strip().startswith(f'<article id="msg-{target.pk}"')
    other = Room.objects.create(name="Other", slug="other")
    assert client.get(f"/rooms/other/messages/{target.pk}/").status_code == 404
    assert other.pk


# The app serves the stream under ASGI; the test client is WSGI and reads it whole.
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous")
def test_transcript_text_and_json(alice, bob, lobby, client_for) -> None:
    alice.display_name = "Alice L."
    alice.save()
    first = _say(lobby, alice, "hello\nthere")
    reactions.reaction_toggle(room=lobby, user=bob, message_id=first.pk, emoji="🎉")
    second = _say(lobby, bob, "typo")
    services.message_edit(room=lobby, user=bob, message_id=second.pk, body="fixed")
    gone = _say(lobby, bob, "secret")
    services.message_delete(room=lobby, user=bob, message_id=gone.pk)
    client = client_for(bob)
    response = client.get("/rooms/lobby/transcript.txt")
    assert response.streaming and response["Content-Type"] == "text/plain; charset=utf-8"
    assert 'filename="lobby-transcript.txt"' in response["Content-Disposition"]
    text = b"".join(response).decode()
    assert "Alice L.: hello\n    there\n    reactions: 🎉 bob\n" in text
    assert "bob (edited): fixed\n" in text and "bob: [deleted]\n" in text
    assert "secret" not in text
    data = json.loads(b"".join(client.get("/rooms/lobby/transcript.json")))
    assert data["room"]["slug"] == "lobby"
    hello, fixed, deleted = data["messages"]
    assert hello["author"] == "alice" and hello["text"] == "hello\nthere"
    assert hello["reactions"] == [{"emoji": "🎉", "count": 1, "users": ["bob"]}]
    assert fixed["edited"] is True and deleted["deleted"] is True and deleted["text"] == ""
    assert "Download transcript" in client.get("/rooms/lobby/").content.decode()


def test_transcript_follows_room_access(alice, bob, client_for) -> None:
    secret = Room.objects.create(name="Secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.memberships.create(user=alice)
    assert client_for(alice).get("/rooms/secret/transcript.txt").status_code == 200
    assert client_for(bob).get("/rooms/secret/transcript.txt").status_code == 404
    assert client_for(bob).get("/rooms/secret/transcript.json").status_code == 404


def test_the_composer_switches_between_one_line_and_several(client_for, alice, lobby) -> None:
    client = client_for(alice)
    html = client.get("/rooms/lobby/").content.decode()
    assert 'aria-pressed="false"' in html and "Multi-line" in html
    assert '<input id="composer-body" name="body" type="text"' in html
    many = client.get("/rooms/lobby/composer/", {"lines": "many", "body": "keep <this>"})
    html = many.content.decode()
    assert html.strip().startswith('<span id="composer-field"') and 'aria-pressed="true"' in html
    assert '<textarea id="composer-body" name="body"' in html and ">keep &lt;this&gt;</textarea>" in html
    html = client.get("/rooms/lobby/composer/", {"body": "back"}).content.decode()
    assert '<input id="composer-body" name="body" type="text"' in html and 'value="back"' in html


def test_a_pushed_one_line_message_is_at_most_500_bytes(alice, bob, lobby, client_for,
                                                         private_room) -> None:
    # Everyone in the room receives this frame: React, Reply, Edit and Delete are fetched
    # by the message's actions menu when it is first opened, not sent with every message.
    timeline.forget_audience_zones()
    _say(lobby, bob, "Morning all")
    message = _say(lobby, alice, "Is anyone up for lunch at the noodle place at half twelve?")
    frame = render.event_frame(message, append=True)
    assert len(frame.encode()) <= 500, (len(frame.encode()), frame)
    assert f'hx-get="/rooms/-/menu/{message.pk}/"' in frame
    assert 'aria-label="Message actions"' in frame and "Reply" not in frame
    # The menu, fetched by its first click: open, with what it offers (the page's style
    # rule still decides where Edit and Delete show), in place of the closed one.
    menu = client_for(bob).get(f"/rooms/-/menu/{message.pk}/", headers={"HX-Request": "true"})
    assert menu["HX-Reswap"] == "outerHTML"
    html = menu.content.decode()
    assert html.startswith('<details open><summary aria-label="Message actions"')
    for label in ("React", "Reply", ">Edit<", ">Delete<", "👍", "❤️", "😂", "🎉", "😮", "😢"):
        assert label in html, label
    # Only for people who may read the room.
    secret = _say(private_room, alice, "members only")
    assert client_for(bob).get(f"/rooms/-/menu/{secret.pk}/").status_code == 404
    assert client_for(alice).get(f"/rooms/-/menu/{secret.pk}/").status_code == 200
