"""Django's email settings from one URL (``EMAIL_URL``), as ``DATABASE_URL`` does for the database.

Forms: ``console:`` (print to stdout, the local default), ``smtp://user:pass@host:587``
(STARTTLS on 587, TLS on 465, plain otherwise, unless ``?tls=``/``?ssl=`` says), and the
rest of dj-email-url's schemes (``submission://``, ``file:``, ``memory:``, ``dummy:``).
Heroku's Mailgun add-on sets ``MAILGUN_SMTP_*`` variables: without an ``EMAIL_URL`` they
are used as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, quote, urlsplit

import dj_email_url

# A mail server that does not answer must not hold a worker (or a sign-up) for long.
DEFAULT_TIMEOUT = 10


def email_url_from_env(environ: Mapping[str, str]) -> str:
    url = environ.get("EMAIL_URL", "").strip()
    if url:
        return url
    server = environ.get("MAILGUN_SMTP_SERVER", "").strip()
    if server:
        login = quote(environ.get("MAILGUN_SMTP_LOGIN", ""), safe="")
        password = quote(environ.get("MAILGUN_SMTP_PASSWORD", ""), safe="")
        port = environ.get("MAILGUN_SMTP_PORT", "587").strip() or "587"
        return f"smtp://{login}:{password}@{server}:{port}"
    return "console:"


def email_settings(url: str) -> dict[str, object]:
    """``EMAIL_*`` settings for ``url``. Raises ValueError for a scheme Django cannot send with."""
    parts = urlsplit(url)
    if parts.scheme not in dj_email_url.SCHEMES:
        known = ", ".join(sorted(dj_email_url.SCHEMES))
        raise ValueError(f"EMAIL_URL scheme {parts.scheme!r} is not one of {known}")
    conf = dj_email_url.parse(url)
    query = parse_qs(parts.query)
    if parts.scheme == "smtp" and "tls" not in query and "ssl" not in query:
        # Port 587 is submission with STARTTLS, 465 is implicit TLS: what providers expect.
        conf["EMAIL_USE_TLS"] = conf["EMAIL_PORT"] == 587
        conf["EMAIL_USE_SSL"] = conf["EMAIL_PORT"] == 465
    if conf.get("EMAIL_TIMEOUT") is None:
        conf["EMAIL_TIMEOUT"] = DEFAULT_TIMEOUT
    # Blank credentials mean "no login", which Django spells as empty strings.
    conf["EMAIL_HOST_USER"] = conf.get("EMAIL_HOST_USER") or ""
    conf["EMAIL_HOST_PASSWORD"] = conf.get("EMAIL_HOST_PASSWORD") or ""
    if conf.get("EMAIL_HOST") is None:
        conf.pop("EMAIL_HOST")
        conf.pop("EMAIL_PORT", None)
    if not conf.get("EMAIL_FILE_PATH"):
        conf.pop("EMAIL_FILE_PATH", None)
    return conf
