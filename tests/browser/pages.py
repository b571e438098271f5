"""What a person does and looks at in the browser, by role and label."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD

# Debian's Chromium, headless, with nothing that reaches for the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


def sign_up(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Create an account through the real signup page."""
    page.goto(f"{base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign up").click()


def log_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login page and wait for the signed-in page."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(account_menu(page)).to_be_visible()


def account_menu(page: Page) -> Locator:
    """The one button that opens who is signed in and Log out (the visible one)."""
    return page.locator(".account-menu > summary").filter(visible=True)


def log_out(page: Page) -> None:
    account_menu(page).click()
    page.get_by_role("button", name="Log out").click()


def messages(page: Page) -> Locator:
    return page.get_by_role("log", name="Messages")


def online(page: Page) -> Locator:
    return page.get_by_role("list", name="Online")


def message_articles(page: Page) -> Locator:
    return messages(page).get_by_role("article")


def composer(page: Page) -> Locator:
    # exact: "Message" is also a substring of "Messages" (the log) and "Edit message".
    return page.get_by_label("Message", exact=True)


def send(page: Page, text: str, *, with_enter: bool = False) -> None:
    """Type into the composer, send with the Send button (or the Enter key), and wait
    until the server has answered: the box empties at once, and the server then gives
    the composer a new key for the next message."""
    key = page.locator("#composer-key")
    previous = key.input_value()
    composer(page).fill(text)
    if with_enter:
        composer(page).press("Enter")
    else:
        page.get_by_role("button", name="Send").click()
    expect(composer(page)).to_have_value("")
    expect(key).not_to_have_value(previous)


def message(page: Page, text: str) -> Locator:
    """The message (an article in the log) showing ``text``."""
    return message_articles(page).filter(has_text=text)


def message_action(page: Page, text: str, action: str) -> Locator:
    """Open the actions menu of the message showing ``text``; its ``action`` button."""
    found = message(page, text)
    found.get_by_label("Message actions").click()
    return found.get_by_role("button", name=action)
