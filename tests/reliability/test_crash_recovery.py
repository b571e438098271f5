"""A server process dies (SIGKILL) or is stopped (SIGTERM): nothing said meanwhile is lost.

Measurements are printed (run with ``-s``): how long a killed process's users stay
listed, and how long a tab takes to reconnect and catch up.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from tests.reliability.peers import message_id_with, message_ids
from tests.reliability.tabs import Tab, eventually, session_context

pytestmark = [pytest.mark.redis, pytest.mark.browser, pytest.mark.slow]

# htmx's ws extension reconnects after 1006/1011/1012/1013 only.
RECONNECTING_CODES = {1006, 1011, 1012, 1013}
PRESENCE_BOUND = 60.0


def report(label: str, seconds: float) -> None:
    print(f"\n[measure] {label}: {seconds:.2f} s")


async def test_killed_process_users_expire_and_its_tabs_reconnect_and_catch_up(
    make_cluster, browser,
) -> None:
    # Production presence settings (40 s expiry, 15 s heartbeat): this checks the
    # 60 s promise itself.
    cluster = make_cluster(
        "alice", "bob", "carol", "dave", CHAT_PRESENCE_TTL=None, CHAT_PRESENCE_INTERVAL=None
    )
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    bob = await cluster.peer("bob", b)
    alice = await cluster.peer("alice", a)  # on A, and will not come back
    tabs = []  # carol's and dave's browsers, on A: they will come back by themselves
    for name in ("carol", "dave"):
        context = await session_context(
            browser, base_url=a.url, session=cluster.users[name]["session"]
        )
        tabs.append(await Tab.open(context, cluster.path()))

    kept = await bob.post("first, stays as it is")
    to_edit = await bob.post("second, will be edited")
    to_delete = await bob.post("third, will be deleted")
    for tab in tabs:
        await eventually(tab.articles, lambda arts: len(arts) == 3, timeout=10,
                         what="a tab's messages before the crash")
    await bob.wait_online(lambda names: names == ["alice", "bob", "carol", "dave"])

    a.kill()
    killed = time.monotonic()
    assert await alice.wait_closed() in RECONNECTING_CODES

    # While A is dead: new messages, an edit of an old one, a delete, and an edit of
    # a message the tab never saw.
    since = len(bob.frames)
    await bob.send(action="edit", message_id=to_edit, body="second, edited while A was down")
    await bob.wait_for("edited while A was down", since=since)
    since = len(bob.frames)
    await bob.send(action="delete", message_id=to_delete)
    await bob.wait_for(f'id="msg-{to_delete}" hx-swap-oob="outerHTML', since=since)
    fourth = await bob.post("fourth, said while A was down")
    fifth = await bob.post("fifth, typo")
    since = len(bob.frames)
    await bob.send(action="edit", message_id=fifth, body="fifth, said while A was down")
    await bob.wait_for("fifth, said while A was down", since=since)

    a.start()  # same port: the tab's retries find it
    restarted = time.monotonic()
    expected = [
        (f"msg-{kept}", ["first, stays as it is"]),
        (f"msg-{to_edit}", ["second, edited while A was down", "(edited)"]),
        (f"msg-{to_delete}", ["This message was deleted"]),
        (f"msg-{fourth}", ["fourth, said while A was down"]),
        (f"msg-{fifth}", ["fifth, said while A was down", "(edited)"]),
    ]

    def caught_up(articles: list[tuple[str, str]]) -> bool:
        return [i for i, _ in articles] == [i for i, _ in expected] and all(
            all(part in text for part in parts)
            for (_, text), (_, parts) in zip(articles, expected, strict=True)
        )

    ids = [i for i, _ in expected]
    for tab in tabs:
        articles = await eventually(tab.articles, caught_up, timeout=90,
                                    what="a tab's messages after the restart")
        caught_up_at = time.monotonic()
        # Exactly once, in order, old text gone, and no page reload.
        assert not any("third, will be deleted" in t or "second, will be edited" in t
                       for _, t in articles)
        assert not any(t.startswith("fifth, typo") for _, t in articles)
        assert await tab.same_document()
        report("restart -> tab's socket open again", tab.served_at - restarted)
        report("restart -> tab shows everything it missed", caught_up_at - restarted)
        report("crash -> tab caught up (downtime included)", caught_up_at - killed)

    # Live again: the next message arrives once, after the caught-up ones.
    sixth = await bob.post("sixth, after the restart")
    for tab in tabs:
        articles = await eventually(tab.articles, lambda arts: len(arts) == 6, timeout=10,
                                    what="a tab's messages after a live one")
        assert [i for i, _ in articles] == [*ids, f"msg-{sixth}"]

    # alice's connection died with A: she leaves every list on her own; carol and
    # dave, back on the restarted A, stay.
    gone = await bob.wait_online(lambda names: "alice" not in names, timeout=PRESENCE_BOUND)
    assert gone - killed < PRESENCE_BOUND
    assert bob.online == ["bob", "carol", "dave"]
    for tab in tabs:
        await eventually(tab.online, lambda names: names == ["bob", "carol", "dave"],
                         timeout=10, what="the Online list in a tab")
    report("killed process's user listed after the kill", gone - killed)


async def test_stopped_process_closes_so_tabs_reconnect_and_a_long_gap_redraws_the_list(
    make_cluster, browser,
) -> None:
    # A generous message rate so one user can say more than a catch-up replays.
    cluster = make_cluster("alice", "bob", "carol", CHAT_RATE_LIMIT="100000")
    a = cluster.daphne("a")
    b = cluster.daphne("b")
    bob = await cluster.peer("bob", b)
    alice = await cluster.peer("alice", a)
    context = await session_context(
        browser, base_url=a.url, session=cluster.users["carol"]["session"]
    )
    carol = await Tab.open(context, cluster.path())
    before = await bob.post("before the restart")
    await eventually(carol.articles, lambda arts: len(arts) == 1, timeout=10,
                     what="carol's messages before the restart")

    # SIGTERM, as Heroku sends on every deploy and daily restart: the close must be
    # one htmx retries (never 1000), and the process must actually exit.
    stopped = time.monotonic()
    report("SIGTERM -> process exited", a.terminate())
    code = await alice.wait_closed()
    assert code in RECONNECTING_CODES, f"clients were closed with {code}"

    # carol writes while her socket is down: htmx keeps the frame until it reopens.
    async def tab_socket_open() -> bool:
        return carol.live_socket() is not None

    await eventually(tab_socket_open, lambda is_open: not is_open, timeout=10,
                     what="carol's socket open")
    composer = carol.page.get_by_label("Message", exact=True)
    await composer.fill("typed while the server was away")
    await composer.press("Enter")

    # More is said meanwhile than a catch-up replays: the tab gets the latest page.
    gap = settings.CHAT_CATCHUP_LIMIT + 10
    since = len(bob.frames)
    for n in range(1, gap + 1):
        await bob.send(action="send", body=f"while restarting {n}")
    await bob.wait_for(f">while restarting {gap}<", since=since, timeout=60)
    sent = [i for f in bob.frames[since:] for i in message_ids(f)]
    assert len(sent) == gap
    report(f"SIGTERM -> {gap} messages said on the other process", time.monotonic() - stopped)

    a.start()
    restarted = time.monotonic()
    page_size = settings.CHAT_PAGE_SIZE

    # On reopen the page asks for what it missed (a redraw: too much), then sends
    # what carol typed; it arrives once, after everything bob said.
    typed = message_id_with(await bob.wait_for(">typed while the server was away<"),
                            "typed while the server was away")
    expected = [f"msg-{n}" for n in sent[-page_size:]] + [f"msg-{typed}"]
    articles = await eventually(
        carol.articles, lambda arts: [i for i, _ in arts] == expected, timeout=90,
        what="carol's messages after the restart",
    )
    report("restart -> tab redrawn with the latest page", time.monotonic() - restarted)
    assert f"msg-{before}" not in {i for i, _ in articles}
    assert await composer.input_value() == ""
    await eventually(
        lambda: carol.page.get_by_role("button", name="Load older messages").count(),
        lambda n: n == 1, timeout=5, what="Load older messages buttons",
    )
    assert await carol.same_document()
    assert sum(">typed while the server was away<" in f for f in bob.frames) == 1

    # Live again: the next message arrives once, at the end.
    live = await bob.post("live after the redraw")
    articles = await eventually(carol.articles, lambda arts: arts[-1][0] == f"msg-{live}",
                                timeout=10, what="carol's newest message")
    assert [i for i, _ in articles] == [*expected, f"msg-{live}"]
