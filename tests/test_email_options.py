"""EMAIL_URL (and Heroku's Mailgun add-on variables) become Django's email settings."""

from __future__ import annotations

import pytest

from config.email_options import email_settings, email_url_from_env


def test_the_local_default_prints_mail_to_the_console() -> None:
    url = email_url_from_env({})
    assert url == "console:"
    assert email_settings(url)["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_smtp_on_587_logs_in_and_uses_starttls() -> None:
    conf = email_settings("smtp://postmaster%40mg.example.com:s3cr%2Ft@smtp.example.com:587")
    assert conf["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (conf["EMAIL_HOST"], conf["EMAIL_PORT"]) == ("smtp.example.com", 587)
    assert conf["EMAIL_HOST_USER"] == "postmaster@mg.example.com"
    assert conf["EMAIL_HOST_PASSWORD"] == "s3cr/t"
    assert conf["EMAIL_USE_TLS"] is True and conf["EMAIL_USE_SSL"] is False
    assert conf["EMAIL_TIMEOUT"] == 10


def test_smtp_without_credentials_on_a_local_port_is_plain() -> None:
    conf = email_settings("smtp://127.0.0.1:1025")
    assert conf["EMAIL_USE_TLS"] is False and conf["EMAIL_USE_SSL"] is False
    assert conf["EMAIL_HOST_USER"] == "" and conf["EMAIL_HOST_PASSWORD"] == ""


def test_the_mailgun_add_on_variables_are_an_smtp_url() -> None:
    url = email_url_from_env({
        "MAILGUN_SMTP_SERVER": "smtp.mailgun.org", "MAILGUN_SMTP_PORT": "587",
        "MAILGUN_SMTP_LOGIN": "postmaster@app.mailgun.org", "MAILGUN_SMTP_PASSWORD": "pw",
    })
    conf = email_settings(url)
    assert conf["EMAIL_HOST_USER"] == "postmaster@app.mailgun.org"
    assert conf["EMAIL_USE_TLS"] is True


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="EMAIL_URL scheme"):
        email_settings("mailgun://key@example.com")
