"""Walk Chatrooms as two people in real Chromium, check what the issues promise, and save
the screenshots in this folder.

Runs the app as ``make run`` does (migrate, then Daphne on a free port; a throwaway SQLite
database and the in-memory layer unless ``--database-url``/``--redis-url`` are given), seeds
alice, bob and carol with a few rooms and a day of history, then walks the user-visible
contracts of issues 11, 13 and 14 at 390x844 (phone) and 1280x800 (desktop). Each check
prints ``ok`` or ``FAIL``; the exit status is the number of failures.

    .venv/bin/python docs/screenshots/take.py               # checks + PNGs here
    .venv/bin/python docs/screenshots/take.py --out /tmp/shots --database-url \\
        postgres://postgres@127.0.0.1:5432/chat_me --redis-url redis://127.0.0.1:6379/9

``--database-url`` and ``--redis-url`` are emptied first (``flush``, FLUSHDB): give the
script databases of its own. ``TAKE_SERVER_LOG=FILE`` keeps the server's log. Needs Debian's
``chromium`` (and ``fonts-noto-color-emoji`` for emoji) and the ``playwright`` package
(requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
FAILURES: list[str] = []
SERVERS: list[subprocess.Popen] = []


def check(name: str, step: Callable[[], object]) -> None:
    """Run one check; a failure is reported and counted, and the walk goes on."""
    try:
        step()
    except Exception as exc:  # any failure is a finding
        FAILURES.append(name)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"FAIL {name}: {first[:300]}")
        if os.environ.get("TAKE_TRACE"):
            traceback.print_exc()
    else:
        print(f"ok   {name}")


@contextmanager
def live_server(database_url: str, redis_url: str | None) -> Iterator[str]:
    """``make run``'s server on a free port, on an emptied database; yields the base URL."""
    from tests.harness import free_port, wait_for_port

    env = {**os.environ, "DATABASE_URL": database_url,
           "CHAT_RATE_LIMIT": "1000", "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    os.environ.update(env)
    if not redis_url:
        os.environ.pop("REDIS_URL", None)
    python = sys.executable
    if redis_url:  # the rooms' newest seq lives there: stale, it would drop new messages
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    for command in (["migrate", "--no-input", "-v", "0"], ["flush", "--no-input"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(Path(python).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "--websocket_timeout", "-1", "config.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("TAKE_SERVER_LOG", os.devnull), "w"),
    )
    SERVERS.append(server)
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def seed() -> dict[str, object]:
    """alice, bob (display name "Bob B."), carol; Book club with yesterday and today, a
    busy room with 120 unread for alice, a direct conversation. Written through the
    services, as the app writes them; a few times moved back a day by hand."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django
    from django.db import connections

    django.setup()
    connections.close_all()
    from django.utils import timezone

    from rooms import direct, reactions, services
    from rooms.membership import member_add
    from rooms.models import Membership, Message
    from users.models import User

    alice, bob, carol = (
        User.objects.create_user(username=name, password=PASSWORD)
        for name in ("alice", "bob", "carol")
    )
    bob.display_name = "Bob B."
    bob.save()
    book = services.room_create(creator=bob, name="Book club")
    busy = services.room_create(creator=carol, name="Busy room")
    hike = services.room_create(creator=alice, name="Weekend hike")
    for room, user in ((book, alice), (book, carol), (busy, alice), (hike, bob)):
        member_add(room=room, by=room.creator, username=user.username)

    yesterday = timezone.now() - dt.timedelta(days=1)
    old = [
        services.message_create(room=book, author=bob, body=text)
        for text in ("Has everyone started *The Left Hand of Darkness*?",
                     "I'm on chapter 4. The winter is brutal.")
    ]
    old.append(services.message_create(room=book, author=carol, body="Halfway through!"))
    Message.objects.filter(pk__in=[m.pk for m in old]).update(created_at=yesterday)
    services.message_create(room=book, author=alice, body="Same here. See you Thursday?")
    first_unread = services.message_create(
        room=book, author=bob, body="Yes! Thursday, 7 pm. @alice can you bring the notes?")
    services.message_create(
        room=book, author=bob, body="The quote I mentioned:\n\n> It is good to have an end "
        "to journey toward; but it is the journey that matters, in the end.")
    services.message_create(
        room=book, author=carol, body="Agenda:\n\n- chapters 1-6\n- **snacks**\n- `tea`\n\n"
        "```python\ndef meet(day):\n    return f\"see you {day}\"\n```")
    reactions.reaction_toggle(room=book, user=carol, message_id=first_unread.pk, emoji="👍")
    reactions.reaction_toggle(room=book, user=bob, message_id=first_unread.pk, emoji="👍")
    for n in range(120):
        services.message_create(room=busy, author=carol, body=f"Busy message {n + 1}")
    dm = direct.conversation_start(user=bob, usernames=["alice"])
    services.message_create(room=dm, author=bob, body="Psst, got a minute?")
    # alice has read Book club up to her own message.
    seq = Message.objects.get(room=book, body__startswith="Same here").seq
    Membership.objects.filter(room=book, user=alice).update(last_read_seq=seq)
    Membership.objects.filter(room=busy, user=alice).update(last_read_seq=0)
    return {"book": book.slug, "busy": busy.slug, "dm": dm.slug, "hike": hike.slug,
            "first_unread": first_unread.pk}


class Walk:
    def __init__(self, browser: Browser, base: str, out: Path, data: dict[str, object]):
        self.browser, self.base, self.out, self.data = browser, base, out, data
        self.console: list[str] = []
        self.listening = True  # off once the server is stopped on purpose

    def person(self, username: str, viewport: dict[str, int]) -> Page:
        phone = viewport == PHONE
        context: BrowserContext = self.browser.new_context(
            viewport=viewport, is_mobile=phone, has_touch=phone,
            device_scale_factor=2 if phone else 1)
        context.set_default_timeout(5000)
        page = context.new_page()
        def heard(msg: ConsoleMessage) -> None:
            if self.listening and msg.type in ("error", "warning"):
                self.console.append(f"{username}@{viewport['width']}: {msg.text}")

        page.on("console", heard)
        page.goto(f"{self.base}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/rooms/")
        return page

    def shoot(self, page: Page, name: str, *, full: bool = False) -> None:
        page.mouse.move(0, 0)
        page.evaluate("document.activeElement?.blur()")  # no focus ring left by the walk
        page.wait_for_timeout(250)
        # caret="initial": hiding the caret injects a <style>, which our CSP refuses.
        page.screenshot(path=str(self.out / name), full_page=full, caret="initial")
        print(f"     saved {name}")

    def no_sideways_scroll(self, page: Page) -> None:
        sizes = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert sizes[0] <= sizes[1], f"scrolls sideways: {sizes}"


def taps_at_least_44(page: Page, selector: str) -> None:
    small = page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent).map(e => {
             const r = e.getBoundingClientRect();
             return [e.textContent.trim().slice(0, 30) || e.getAttribute('aria-label'),
                     Math.round(r.width), Math.round(r.height)];
           }).filter(([, w, h]) => w < 44 || h < 44)""", selector)
    assert not small, f"under 44 px: {small[:8]}"


def walk(browser: Browser, base: str, out: Path, data: dict[str, object], label: str) -> None:
    w = Walk(browser, base, out, data)
    book, busy = data["book"], data["busy"]
    viewport = PHONE if label == "phone" else DESKTOP
    alice = w.person("alice", viewport)
    your_rooms = alice.get_by_role("list", name="Your rooms")

    def rooms_list() -> None:
        expect(your_rooms.get_by_role("link", name="Book club, 3 unread")).to_be_visible()
        expect(your_rooms.get_by_role("link", name="Busy room, 99+ unread")).to_be_visible()
        expect(your_rooms.locator("li", has_text="Busy room")).to_contain_text("99+")
        expect(alice.get_by_role("list", name="Direct messages").get_by_role(
            "link", name="bob, 1 unread")).to_be_visible()  # conversations: usernames

    check(f"{label} /rooms/: 'Book club, 3 unread', 99+, DM count", rooms_list)
    check(f"{label} /rooms/: @ badge on Book club", lambda: expect(
        your_rooms.locator("li", has_text="Book club")).to_contain_text("@"))
    check(f"{label} /rooms/: no sideways scroll", lambda: w.no_sideways_scroll(alice))
    check(f"{label} header: Mentions link", lambda: _mentions_link(alice, label))
    w.shoot(alice, f"rooms-unread-{label}.png")
    shutil.copy(out / f"rooms-unread-{label}.png", out / f"rooms-{label}.png")

    alice.goto(f"{base}/rooms/{book}/")
    check(f"{label} room: tab title '(121) Book club · Chatrooms'",
          lambda: expect(alice).to_have_title("(121) Book club · Chatrooms"))
    check(f"{label} room: New messages separator above the first unread",
          lambda: _new_messages_line(alice, data["first_unread"]))
    check(f"{label} room: day separators Yesterday and Today", lambda: _days(alice))
    check(f"{label} room: mention marked 'mentions you'", lambda: expect(
        alice.locator(f"#msg-{data['first_unread']}").get_by_text("mentions you")
    ).to_be_visible())
    check(f"{label} room: reaction '👍 2: Bob B., carol'", lambda: expect(
        alice.get_by_role("button", name="👍 2: carol, Bob B.")).to_be_visible())
    check(f"{label} room: grouping (bob's second message has no name)",
          lambda: _grouped(alice))
    check(f"{label} room: code highlighted, quote, list", lambda: _formatting(alice))
    check(f"{label} room: Download transcript offers .txt and .json",
          lambda: _transcript(alice, book))
    check(f"{label} room: no sideways scroll", lambda: w.no_sideways_scroll(alice))
    if label == "phone":  # a touch screen
        check(f"{label} room: tap targets >= 44 px",
              lambda: taps_at_least_44(
                  alice, "#room button, #room summary, #room a.msg-quote, #room-head a"))
        check(f"{label} room: the room's name is not cut", lambda: _title_whole(alice))
    w.shoot(alice, f"room-new-messages-{label}.png")
    if label == "desktop":
        check("desktop room: sidebar lists rooms with counts", lambda: expect(
            alice.locator("#sidebar").get_by_role("link", name="Busy room, 99+ unread")
        ).to_be_visible())
        w.shoot(alice, "room-sidebar-desktop.png")

    bob = w.person("bob", DESKTOP if label == "phone" else PHONE)
    bob.goto(f"{base}/rooms/{book}/")
    expect(bob.get_by_role("list", name="Online")).to_contain_text("bob")
    expect(alice.get_by_role("list", name="Online")).to_contain_text("bob")

    def typing() -> None:
        bob.get_by_label("Message", exact=True).press_sequentially("On my way")
        typing = alice.locator("#typing")
        expect(typing).to_have_attribute("aria-live", "polite")
        expect(typing).to_have_text("Bob B. is typing…", timeout=1500)
        expect(bob.locator("#typing")).not_to_contain_text(
            "typing", timeout=1000, use_inner_text=True)

    check(f"{label} typing: 'Bob B. is typing…' within 1.5 s, not for the typist", typing)
    w.shoot(alice, f"room-typing-{label}.png")
    bob.get_by_label("Message", exact=True).press("Enter")
    check(f"{label} typing: gone when the message arrives", lambda: expect(
        alice.locator("#typing")).to_have_text(""))

    def reply() -> None:
        article = alice.locator(f"#msg-{data['first_unread']}")
        article.get_by_label("Message actions").click()
        article.get_by_role("button", name="Reply").click()
        context = alice.locator("#reply-context")
        expect(context).to_contain_text("Replying to Bob B.")
        expect(context.get_by_role("button", name="Cancel reply")).to_be_visible()
        w.shoot(alice, f"replying-{label}.png")
        alice.get_by_label("Message", exact=True).fill("Sure, I'll bring them.")
        alice.get_by_label("Message", exact=True).press("Enter")
        sent = bob.locator("article", has_text="I'll bring them")
        expect(sent.locator(".msg-quote")).to_contain_text("Bob B.")
        expect(sent.locator(".msg-quote")).to_have_attribute(
            "href", f"/rooms/{book}/messages/{data['first_unread']}/"
            f"#msg-{data['first_unread']}")
        expect(context).to_be_empty()

    check(f"{label} reply: 'Replying to', Cancel reply, quote links to the original", reply)

    def react() -> None:
        article = bob.locator("article", has_text="I'll bring them")
        article.get_by_label("Message actions").click()
        article.locator("summary", has_text="React").click()
        w.shoot(bob, f"message-menu-{'desktop' if label == 'phone' else 'phone'}.png")
        article.get_by_role("button", name="🎉").first.click()
        expect(alice.get_by_role("button", name="🎉 1: Bob B.")).to_be_visible()
        alice.get_by_role("button", name="🎉 1: Bob B.").click()
        expect(bob.get_by_role("button", name="🎉 2: Bob B., alice")).to_be_visible()
        alice.get_by_role("button", name="🎉 2: Bob B., alice").click()
        expect(bob.get_by_role("button", name="🎉 1: Bob B.")).to_be_visible()

    check(f"{label} react: live for both, own click removes", react)

    def deleted_original() -> None:
        bob.get_by_label("Message", exact=True).fill("Delete me soon")
        bob.get_by_label("Message", exact=True).press("Enter")
        target = alice.locator("article", has_text="Delete me soon")
        target.get_by_label("Message actions").click()
        target.get_by_role("button", name="Reply").click()
        expect(alice.locator("#reply-context")).to_contain_text("Replying to Bob B.")
        alice.get_by_label("Message", exact=True).fill("Answering the doomed one")
        alice.get_by_label("Message", exact=True).press("Enter")
        expect(alice.locator("article", has_text="Answering the doomed")).to_be_visible()
        mine = bob.locator("article", has_text="Delete me soon").first
        mine.get_by_label("Message actions").click()
        bob.once("dialog", lambda d: d.accept())
        mine.get_by_role("button", name="Delete").click()
        for page in (alice, bob):
            expect(page.locator("article", has_text="Answering the doomed")).to_contain_text(
                "Original message deleted")

    check(f"{label} reply: 'Original message deleted' live", deleted_original)
    w.shoot(alice, f"conversation-{label}.png")
    shutil.copy(out / f"conversation-{label}.png", out / f"room-{label}.png")  # the README's
    if label == "phone":
        check("phone: an error shows under its message, the page stays",
              lambda: _error_in_place(w, alice))
        check("phone: one header, the account menu behind one button",
              lambda: _account_menu(w, alice))

    def permalink() -> None:
        alice.goto(f"{base}/rooms/{busy}/")
        expect(alice.get_by_role("link", name="Jump to first unread")).to_be_visible()
        w.shoot(alice, f"jump-to-first-unread-{label}.png")
        alice.get_by_role("link", name="Jump to first unread").click()
        expect(alice.get_by_role("separator", name="New messages")).to_be_in_viewport()
        expect(alice.locator(f"#msg-{_busy_id(busy, 1)}")).to_be_in_viewport()
        alice.goto(f"{base}/rooms/{busy}/messages/{_busy_id(busy, 60)}/")
        expect(alice.locator(f"#msg-{_busy_id(busy, 60)}")).to_be_in_viewport()  # no #msg-N
        for name in ("Load older messages", "Load newer messages"):
            expect(alice.get_by_role("button", name=name)).to_be_visible()
        expect(alice.get_by_role("link", name="Jump to latest")).to_be_visible()
        bob.goto(f"{base}/rooms/{busy}/")
        bob.get_by_label("Message", exact=True).fill("Fresh news")
        bob.get_by_label("Message", exact=True).press("Enter")
        expect(alice.locator("#history-bar")).to_have_text(
            "New messages below · Jump to latest", use_inner_text=True)
        expect(alice.locator("#messages article", has_text="Fresh news")).to_have_count(0)
        w.shoot(alice, f"permalink-{label}.png")

    check(f"{label} permalink: around the message, older/newer, Jump to latest, bar",
          permalink)

    def mentions_page() -> None:
        alice.goto(f"{base}/mentions/")
        item = alice.get_by_role("article").filter(has_text="can you bring").first
        expect(item).to_contain_text("Book club")
        expect(item).to_contain_text("Bob B.")
        w.shoot(alice, f"mentions-{label}.png")
        w.no_sideways_scroll(alice)

    check(f"{label} /mentions/ lists the mention with room and author", mentions_page)

    def profile() -> None:
        alice.goto(f"{base}/accounts/profile/")
        expect(alice.get_by_label("Display name")).to_be_visible()
        expect(alice.get_by_label("Time zone")).to_have_value("UTC")
        w.no_sideways_scroll(alice)
        w.shoot(alice, f"profile-{label}.png")
        alice.goto(f"{base}/users/bob/")
        expect(alice.get_by_role("main")).to_contain_text("Bob B.")
        expect(alice.get_by_role("main")).to_contain_text("bob")

    check(f"{label} /accounts/profile/ Display name, Time zone; /users/bob/", profile)
    if label == "phone":
        check("phone: Reconnecting… and a message waiting, with the server gone",
              lambda: _reconnecting(w, alice, book))
    for context in (alice.context, bob.context):
        context.close()

    if label == "desktop":
        _narrow(w, book, busy)
    if w.console:
        FAILURES.append("console")
        print("FAIL console errors/warnings:\n  " + "\n  ".join(w.console[:20]))
    else:
        print("ok   no console errors or warnings")


def _title_whole(page: Page) -> None:
    sizes = page.evaluate(
        "(t => [t.scrollWidth, t.clientWidth])(document.getElementById('room-title'))")
    assert sizes[0] <= sizes[1], f"'{page.locator('#room-title').inner_text()}' cut: {sizes}"


def _error_in_place(w: Walk, page: Page) -> None:
    """Deleted elsewhere, this tab not told yet: Delete says so under the message."""
    from django.utils import timezone

    from rooms.models import Message

    page.get_by_label("Message", exact=True).fill("Soon gone")
    page.get_by_label("Message", exact=True).press("Enter")
    article = page.locator("article", has_text="Soon gone")
    expect(article).to_be_visible()
    Message.objects.filter(body="Soon gone").update(deleted_at=timezone.now(), body="")
    article.get_by_label("Message actions").click()
    page.once("dialog", lambda dialog: dialog.accept())
    article.get_by_role("button", name="Delete").click()
    expect(article.get_by_role("alert")).to_have_text("That message has already been deleted.")
    w.shoot(page, "error-in-place-phone.png")


def _account_menu(w: Walk, page: Page) -> None:
    page.locator(".account-menu > summary").filter(visible=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    w.shoot(page, "phone-header-account-menu.png")
    page.locator(".account-menu > summary").filter(visible=True).click()


def _reconnecting(w: Walk, page: Page, book: object) -> None:
    page.goto(f"{w.base}/rooms/{book}/")
    expect(page.get_by_role("list", name="Online")).to_contain_text("alice")
    w.listening = False
    SERVERS[-1].kill()  # as a crash: the socket drops (1006) and htmx keeps retrying
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    page.get_by_label("Message", exact=True).fill("Are you still there?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your message is waiting to be sent")).to_be_visible()
    w.shoot(page, "reconnecting-phone.png")


def _narrow(w: Walk, book: object, busy: object) -> None:
    base = w.base
    narrow = w.person("alice", {"width": 320, "height": 640})
    for path in ("/rooms/", f"/rooms/{book}/", "/mentions/", "/accounts/profile/",
                 f"/rooms/{busy}/messages/{_busy_id(busy, 60)}/"):
        narrow.goto(f"{base}{path}")
        check(f"320 px {path}: no sideways scroll", lambda: w.no_sideways_scroll(narrow))
    narrow.context.close()


def _busy_id(slug: object, n: int) -> int:
    from rooms.models import Message

    return Message.objects.get(room__slug=slug, body=f"Busy message {n}").pk


def _mentions_link(page: Page, label: str) -> None:
    link = page.get_by_role("link", name="Mentions")
    if label == "phone" and not link.first.is_visible():
        page.locator(".account-menu > summary").filter(visible=True).click()
    expect(link.first).to_be_visible()
    expect(link.first).to_have_attribute("href", "/mentions/")


def _new_messages_line(page: Page, first_unread: object) -> None:
    separator = page.get_by_role("separator", name="New messages")
    expect(separator).to_be_visible()
    expect(separator).to_have_text("New messages")
    following = page.evaluate(
        "document.querySelector('#new-messages ~ article').id")
    assert following == f"msg-{first_unread}", following
    expect(page.locator(f"#msg-{first_unread}")).to_be_in_viewport()


def _days(page: Page) -> None:
    days = page.locator(".daysep").all_inner_texts()
    assert [d.strip() for d in days] == ["YESTERDAY", "TODAY"] or [
        d.strip().lower() for d in days] == ["yesterday", "today"], days


def _grouped(page: Page) -> None:
    second = page.locator("article", has_text="The winter is brutal")
    expect(second.locator(".msg-author")).to_be_hidden()
    expect(page.locator("article", has_text="Has everyone started").locator(
        ".msg-author")).to_be_visible()


def _formatting(page: Page) -> None:
    expect(page.locator("article pre code, article .highlight").first).to_be_visible()
    expect(page.locator("article blockquote").first).to_contain_text("It is good to have")
    expect(page.locator("article li", has_text="snacks").locator("strong")).to_have_text("snacks")


def _transcript(page: Page, slug: object) -> None:
    page.get_by_title("Download transcript").click()
    for name, suffix in (("Plain text (.txt)", "txt"), ("JSON (.json)", "json")):
        link = page.get_by_role("link", name=name)
        expect(link).to_be_visible()
        expect(link).to_have_attribute("href", f"/rooms/{slug}/transcript.{suffix}")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    request = urllib.request.Request(  # noqa: S310 (our own local server)
        page.url.split("/rooms/")[0] + f"/rooms/{slug}/transcript.json",
        headers={"Cookie": f"sessionid={cookies['sessionid']}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        document = json.loads(answer.read())
    assert document, "empty transcript"
    page.keyboard.press("Escape")
    page.get_by_title("Download transcript").click()  # closes the menu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go")
    parser.add_argument("--database-url", help="a database to empty and use (default SQLite)")
    parser.add_argument("--only", choices=["phone", "desktop"], help="walk one size only")
    parser.add_argument("--redis-url", help="a Redis for the channel layer (default in-memory)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("Debian's chromium is not installed", file=sys.stderr)
        return 1
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="chatrooms-shots-")
    database_url = args.database_url or f"sqlite:///{tmp}/db.sqlite3"
    try:
        for label in [args.only] if args.only else ["phone", "desktop"]:
            print(f"---- {label}: alice at {label} size, bob at the other")
            # Each walk starts from the same seeded state.
            with live_server(database_url, args.redis_url) as base:
                data = seed()  # before Playwright's event loop: the services' broadcasts are sync
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                    try:
                        walk(browser, base, args.out, data, label)
                    finally:
                        browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(FAILURES)} failed checks in {time.monotonic() - started:.0f} s")
    return len(FAILURES)


if __name__ == "__main__":
    sys.exit(main())
