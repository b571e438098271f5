"""Search: /search/ on whichever database runs the tests (CI runs this on PostgreSQL and
on SQLite). The query language itself is in test_search_query.py."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.utils import timezone

from rooms import services
from rooms.formatting import plain_text, render_markdown
from rooms.models import Membership, Message, Room
from tests.conftest import add_members

pytestmark = pytest.mark.django_db


def say(room: Room, author, *bodies: str, minutes_ago: int = 0) -> list[Message]:
    """Messages straight into the table (the rate limit is not what is tested here),
    saved as the message services save them: source, HTML and plain text."""
    made = Message.objects.bulk_create(
        Message(room=room, author=author, body=b, body_html=render_markdown(b),
                body_text=plain_text(render_markdown(b)))
        for b in bodies
    )
    if minutes_ago:
        when = timezone.now() - timedelta(minutes=minutes_ago)
        Message.objects.filter(pk__in=[m.pk for m in made]).update(created_at=when)
    return made


def search(client, q: str, **params: str) -> str:
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def heading(html: str) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)).strip()


def result_ids(html: str) -> list[int]:
    """Message ids in result order, found by each message's link (its permalink)."""
    found = []
    for message in Message.objects.select_related("room"):
        at = html.find(f'href="{message.get_absolute_url()}"')
        if at >= 0:
            found.append((at, message.pk))
    return [pk for _, pk in sorted(found)]


def test_the_header_has_a_search_form_on_signed_in_pages(client_for, alice, lobby) -> None:
    for url in ["/rooms/", "/rooms/lobby/", "/search/"]:
        html = client_for(alice).get(url).content.decode()
        form = re.search(r'<form role="search".*?</form>', html, re.S).group(0)
        assert 'action="/search/"' in form and 'method="get"' in form
        assert '<label for="site-search" class="sr-only">Search messages</label>' in form
        assert 'id="site-search" type="search" name="q"' in form
        assert re.search(r"<button type=\"submit\".*>Search</span></button>", form)
        # Search as you type: htmx asks the same URL after a pause in typing.
        assert 'hx-get="/search/"' in form and "input changed delay:" in form


def test_signed_out_visitors_are_sent_to_log_in(client) -> None:
    response = client.get("/search/", {"q": "hello"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert 'role="search"' not in client.get("/accounts/login/").content.decode()


def test_a_result_shows_room_author_time_and_marked_snippet(client_for, alice, bob, lobby) -> None:
    [hit] = say(lobby, bob, "Who is coming to the <b>meeting</b> tomorrow?")
    say(lobby, bob, "Unrelated chatter")
    html = search(client_for(alice), "meetings")  # stemming: the plural finds it
    assert heading(html) == "1 result for “meetings”"
    assert result_ids(html) == [hit.pk]
    assert "<mark>meeting</mark>" in html and "<b>" not in html  # marked, never markup
    assert ">Lobby</a>" in html and ">bob</span>" in html
    assert f'datetime="{hit.created_at.isoformat()}"' in html or "<time datetime=" in html
    assert f'href="{hit.get_absolute_url()}"' in html


def snippet(html: str, message: Message) -> str:
    return re.search(rf'<a href="{message.get_absolute_url()}" class="mt-1[^>]*>(.*?)</a>',
                     html, re.S).group(1)


def test_snippets_show_plain_text_and_link_addresses_are_not_searched(
    client_for, alice, lobby
) -> None:
    message = services.message_create(
        room=lobby, author=alice,
        body="The **launch** plan: run `make ship`, see [the notes](https://example.com/quasar)",
    )
    client = client_for(alice)
    html = search(client, "launch")
    assert snippet(html, message) == (
        "The <mark>launch</mark> plan: run make ship, see the notes"
    )
    assert heading(search(client, "quasar")) == "No results for “quasar”"
    assert snippet(search(client, "from:alice"), message).startswith("The launch plan")


def test_relevance_first_newest_among_equals_or_newest_first(client_for, alice, lobby) -> None:
    [old_strong] = say(lobby, alice, "Deploy deploy deploy: the deploy is today", minutes_ago=30)
    [older] = say(lobby, alice, "we deploy on fridays", minutes_ago=20)
    [newer] = say(lobby, alice, "we deploy on mondays", minutes_ago=10)
    client = client_for(alice)
    assert result_ids(search(client, "deploy")) == [old_strong.pk, newer.pk, older.pk]
    html = search(client, "deploy", sort="newest")
    assert result_ids(html) == [newer.pk, older.pk, old_strong.pk]
    assert 'aria-current="true" class="rounded-full px-3 py-1 font-medium text-slate-700 hover:bg-slate-200 aria-[current]:bg-indigo-600 aria-[current]:text-white">Newest first' in html


def test_deleted_never_found_edited_found_by_current_text(client_for, alice, lobby) -> None:
    gone = services.message_create(room=lobby, author=alice, body="the pineapple pizza plan")
    changed = services.message_create(room=lobby, author=alice, body="bring a watermelon")
    services.message_delete(room=lobby, user=alice, message_id=gone.pk)
    services.message_edit(room=lobby, user=alice, message_id=changed.pk, body="bring a mango")
    client = client_for(alice)
    assert heading(search(client, "pineapple")) == "No results for “pineapple”"
    assert heading(search(client, "watermelon")) == "No results for “watermelon”"
    assert result_ids(search(client, "mango")) == [changed.pk]
    assert result_ids(search(client, "from:alice")) == [changed.pk]


def test_results_are_paged_with_more_results(client_for, alice, lobby) -> None:
    made = say(lobby, alice, *[f"standup note {i}" for i in range(23)])
    client = client_for(alice)
    html = search(client, "standup", sort="newest")
    assert heading(html) == "23 results for “standup”"
    newest_first = [m.pk for m in reversed(made)]
    assert result_ids(html) == newest_first[:20]
    assert ">More results</button>" in html and 'name="page" value="2"' in html
    # Without JavaScript the button opens the next page...
    second = search(client, "standup", sort="newest", page="2")
    assert result_ids(second) == newest_first[20:] and "More results" not in second
    # ...and with htmx it appends the next hits and replaces itself (with nothing here).
    response = client.get("/search/", {"q": "standup", "sort": "newest", "page": "2"},
                          headers={"HX-Request": "true", "HX-Target": "search-results"})
    fragment = response.content.decode()
    assert result_ids(fragment) == newest_first[20:] and "<h1" not in fragment
    assert '<div id="search-more" hx-swap-oob="true"' in fragment
    assert "More results" not in fragment


def test_a_very_common_word_lists_the_newest_thousand_and_says_so(
    client_for, alice, lobby
) -> None:
    [oldest] = say(lobby, alice, "standup standup standup: the best match, but old")
    say(lobby, alice, *[f"standup note {i}" for i in range(1000)])
    client = client_for(alice)
    html = search(client, "standup")
    assert heading(html) == "1,000+ results for “standup”"
    assert "These are the newest 1,000, best first: add a word or a filter" in html
    assert oldest.pk not in result_ids(html)
    last = search(client, "standup", sort="newest", page="50")
    assert len(result_ids(last)) == 20 and "More results" not in last
    assert oldest.pk not in result_ids(last)
    assert result_ids(search(client, "standup best")) == [oldest.pk]


def test_filters_and_phrases(client_for, alice, bob, lobby) -> None:
    garden = Room.objects.create(name="Garden", slug="garden")
    [by_alice] = say(lobby, alice, "tomato soup recipe")
    [by_bob] = say(garden, bob, "soup made of tomato")
    client = client_for(alice)
    assert set(result_ids(search(client, "tomato soup"))) == {by_alice.pk, by_bob.pk}
    assert result_ids(search(client, '"tomato soup"')) == [by_alice.pk]
    assert result_ids(search(client, "soup from:bob")) == [by_bob.pk]
    assert result_ids(search(client, "soup from:@Bob")) == [by_bob.pk]
    assert result_ids(search(client, "soup in:lobby")) == [by_alice.pk]
    assert result_ids(search(client, "in:garden")) == [by_bob.pk]
    assert result_ids(search(client, "soup -recipe")) == [by_bob.pk]


@pytest.mark.parametrize(("q", "said"), [
    ("soup to:bob", "“to:” is not a filter we know"),
    ("soup from:nobody", "No one is called “nobody”."),
    ("soup in:nowhere", "There is no room “nowhere” that you can read."),
    ("soup from:", "Say what comes after from:"),
    ("-soup", "Add a word to look for"),
])
def test_query_mistakes_get_a_clear_message(client_for, alice, lobby, q, said) -> None:
    say(lobby, alice, "soup")
    html = search(client_for(alice), q)
    assert said in unescape(html)
    assert 'role="alert"' in html and not result_ids(html)


def test_empty_states_each_say_something_helpful(client_for, alice, lobby) -> None:
    say(lobby, alice, "Is this the thing that we were talking about?")
    client = client_for(alice)
    assert heading(search(client, "")) == "Search messages"
    assert "Type a word in the search box" in search(client, "   ")
    html = search(client, "the is that")
    assert heading(html) == "Nothing to search for" and "Add a more specific word" in html
    html = search(client, "xylophone")
    assert heading(html) == "No results for “xylophone”" and "Check the spelling" in html


def test_private_messages_never_found_or_counted_by_outsiders(
    client_for, alice, bob, carol, lobby, private_room, direct_room
) -> None:
    say(lobby, alice, "the budget is public")
    [secret] = say(private_room, alice, "the budget is secret")
    [direct] = say(direct_room, alice, "the budget between us")
    add_members(private_room, bob)
    assert heading(search(client_for(alice), "budget")) == "3 results for “budget”"
    # A direct conversation is named after the other person in it.
    assert ">bob</a>" in search(client_for(alice), "budget in:dm-test-alice-bob")
    assert heading(search(client_for(bob), "budget")) == "3 results for “budget”"
    # Bob is removed from the private room; Carol never was in either.
    Membership.objects.filter(room=private_room, user=bob).delete()
    for user, visible in [(bob, 2), (carol, 1)]:
        client = client_for(user)
        html = search(client, "budget")
        assert heading(html) == f"{visible} result{'s' if visible > 1 else ''} for “budget”"
        assert secret.pk not in result_ids(html) and "secret" not in html
        assert heading(search(client, "secret")) == "No results for “secret”"
        assert "secret" not in search(client, "from:alice")
        assert "no room “alices-den”" in search(client, "budget in:alices-den")
    assert direct.pk not in result_ids(search(client_for(carol), "budget"))


def test_the_index_follows_every_kind_of_write(alice, lobby) -> None:
    """On SQLite the index is kept by triggers: bulk writes and updates must reach it too."""
    from search.selectors import message_search

    [m] = say(lobby, alice, "alpha")
    Message.objects.filter(pk=m.pk).update(body_text="omega")
    assert message_search(user=alice, q="alpha").count == 0
    assert message_search(user=alice, q="omega").count == 1
    Message.objects.filter(pk=m.pk).delete()
    assert message_search(user=alice, q="omega").count == 0


@pytest.mark.django_db(transaction=True)
def test_search_survives_a_schema_change_to_messages(alice, lobby) -> None:
    """SQLite rebuilds a table to add most columns, which drops its triggers: the
    post-migrate check puts them back and reindexes."""
    from django.db import models

    from search import schema
    from search.selectors import message_search

    say(lobby, alice, "before the change")
    column = models.TextField(db_default="", blank=True)
    column.set_attributes_from_name("extra")
    column.model = Message
    with connection.schema_editor() as editor:
        editor.add_field(Message, column)
    try:
        schema.after_migrate(using="default")
        say(lobby, alice, "after the change")
        assert message_search(user=alice, q="change").count == 2
    finally:
        with connection.schema_editor() as editor:
            editor.remove_field(Message, column)
        schema.after_migrate(using="default")
