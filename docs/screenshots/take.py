"""Take the README's screenshots of Chatrooms in real Chromium.

Starts Daphne on a free port against a throwaway SQLite database, signs up two
people, has them talk (one message edited, one deleted, one with a link) and
saves PNGs next to this file:

    .venv/bin/python docs/screenshots/take.py            # the README's four PNGs
    .venv/bin/python docs/screenshots/take.py --stress /tmp/shots
        # plus hostile text (a 300-character word, a long URL, right-to-left text)

Needs Debian's ``chromium`` and the Python ``playwright`` package (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (our own local URL)
                return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def live_server() -> Iterator[str]:
    """Daphne serving the app on a fresh SQLite file; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="chatrooms-shots-") as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3"}
        env.pop("REDIS_URL", None)  # one process: the in-memory channel layer is enough
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run(  # noqa: S603
            [python, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT, env=env, check=True,
        )
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [str(ROOT / ".venv" / "bin" / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "config.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/accounts/login/")
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def sign_up(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)


def open_room(page: Page, base: str, slug: str) -> None:
    page.goto(f"{base}/rooms/{slug}/")
    # The presence list arrives over the socket once it is open.
    expect(page.get_by_role("list", name="Online")).to_contain_text(
        page.get_by_test_id("current-user").inner_text()
    )


def send(page: Page, text: str) -> None:
    before = page.locator("#messages article").count()
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")
    expect(page.locator("#messages article")).to_have_count(before + 1)
    expect(page.get_by_label("Message", exact=True)).to_have_value("")


def last_own(page: Page, text: str) -> str:
    article = page.locator("#messages article", has_text=text).last
    return article.get_attribute("id") or ""


def edit(page: Page, text: str, new_text: str) -> None:
    msg_id = last_own(page, text)
    page.locator(f"#{msg_id}").get_by_role("button", name="Edit").click()
    box = page.get_by_label("Edit message")
    box.fill(new_text)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f"#{msg_id}")).to_contain_text("(edited)")


def delete(page: Page, text: str) -> None:
    msg_id = last_own(page, text)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#{msg_id}").get_by_role("button", name="Delete").click()
    expect(page.locator(f"#{msg_id}")).to_contain_text("This message was deleted")


def shoot(page: Page, path: Path) -> None:
    page.wait_for_timeout(300)  # let focus rings and swaps settle
    page.screenshot(path=str(path))
    size = path.stat().st_size
    print(f"{path} {size // 1024} KB")


def conversation(browser: Browser, base: str, out: Path, *, stress: bool) -> None:
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                has_touch=True)
    desk = browser.new_context(viewport=DESKTOP)
    alice, bob = phone.new_page(), desk.new_page()

    alice.goto(f"{base}/accounts/signup/")
    shoot(alice, out / "signup-phone.png")
    if stress:
        alice.get_by_role("button", name="Sign Up").click()
        alice.get_by_label("Username").fill("ab")
        alice.get_by_label("Password", exact=True).fill("123")
        alice.get_by_label("Password (again)").fill("1234")
        alice.get_by_role("button", name="Sign Up").click()
        shoot(alice, out / "signup-errors-phone.png")
        alice.goto(f"{base}/accounts/login/")
        shoot(alice, out / "login-phone.png")

    sign_up(alice, base, "alice")
    sign_up(bob, base, "bob")
    if stress:
        shoot(alice, out / "rooms-empty-phone.png")

    for name in ("Book club", "Weekend hike"):
        bob.goto(f"{base}/rooms/")
        bob.get_by_label("Room name").fill(name)
        bob.get_by_role("button", name="Create room").click()
        expect(bob.get_by_role("heading", level=1)).to_have_text(name)

    open_room(alice, base, "lobby")
    if stress:
        shoot(alice, out / "room-empty-phone.png")
    open_room(bob, base, "lobby")
    expect(alice.get_by_role("list", name="Online")).to_contain_text("bob")

    send(bob, "Morning Alice! Did you get home OK last night?")
    send(alice, "I did, thanks! The train was late but whatever")
    edit(alice, "The train was late", "I did, thanks! The train was late, but I had a good book.")
    send(bob, "Oops, wrong room")
    delete(bob, "Oops, wrong room")
    send(bob, "Here's the trail for Saturday: https://www.openstreetmap.org/way/24583110")
    send(alice, "Looks lovely. Count me in! I'll bring sandwiches.")
    send(bob, "Great. Meet at the station at 9?")
    send(alice, "See you there!")
    if stress:
        send(bob, "a" * 300)
        send(alice, "https://example.com/" + "very-long-path/" * 12 + "?query=" + "x" * 60)
        send(bob, "مرحبا بالجميع! hello")
        alice.get_by_label("Message", exact=True).fill(" ")
        alice.get_by_label("Message", exact=True).press("Enter")
        shoot(alice, out / "room-stress-phone.png")
        # The on-screen keyboard takes about half the screen: the composer and the
        # newest message must stay in view.
        alice.set_viewport_size({"width": 390, "height": 450})
        alice.get_by_label("Message", exact=True).focus()
        shoot(alice, out / "room-keyboard-phone.png")
        alice.set_viewport_size(PHONE)
        last_mine = alice.locator("#messages article", has_text="very-long-path").last
        last_mine.get_by_role("button", name="Edit").click()
        expect(alice.get_by_label("Edit message")).to_be_visible()
        shoot(alice, out / "room-editing-phone.png")
        alice.get_by_role("button", name="Cancel").click()
        expect(alice.get_by_label("Edit message")).to_have_count(0)
        alice.get_by_role("button", name="Send").focus()
        alice.keyboard.press("Shift+Tab")
        shoot(bob, out / "room-stress-desktop.png")
        alice.goto(f"{base}/accounts/logout/")
        shoot(alice, out / "logout-phone.png")
        alice.go_back()

    # Reload: the screenshots show the saved history as a page load renders it.
    for page in (alice, bob):
        open_room(page, base, "lobby")
        expect(page.get_by_role("list", name="Online")).to_contain_text("alice")
        expect(page.get_by_role("list", name="Online")).to_contain_text("bob")
        page.get_by_label("Message", exact=True).blur()
        page.mouse.move(0, 0)
    shoot(alice, out / "room-phone.png")
    shoot(bob, out / "room-desktop.png")

    alice.goto(f"{base}/rooms/")
    shoot(alice, out / "rooms-phone.png")
    if stress:
        # Keyboard users: the skip link, then a visible ring on each stop.
        alice.keyboard.press("Tab")
        shoot(alice, out / "focus-skip-phone.png")
        for _ in range(4):
            alice.keyboard.press("Tab")
        shoot(alice, out / "focus-rooms-phone.png")
        alice.goto(f"{base}/rooms/lobby/")
        alice.locator("#messages article", has_text="See you there").get_by_role(
            "button", name="Edit").focus()
        shoot(alice, out / "focus-edit-phone.png")
        for name in ("password/change", "email"):
            alice.goto(f"{base}/accounts/{name}/")
            shoot(alice, out / f"account-{name.replace('/', '-')}-phone.png")
        bob.goto(f"{base}/accounts/login/")
        shoot(bob, out / "login-desktop.png")
    phone.close()
    desk.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stress", metavar="DIR", type=Path,
                        help="also save screenshots with hostile text to DIR (not the docs)")
    args = parser.parse_args()
    out: Path = args.stress or HERE
    out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium")
    if chromium is None:
        print("Debian's chromium is not installed", file=sys.stderr)
        return 1
    with live_server() as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            conversation(browser, base, out, stress=args.stress is not None)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
