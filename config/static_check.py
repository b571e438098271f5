"""Production serves hashed static files listed in the manifest ``collectstatic`` writes.

Without it every page would fail with a 500 (the stylesheet has no hashed name), so the
server refuses to start instead, and says what to run.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured

# Every page links it: if it has no hashed name, no page can render.
PROBE = "css/dist/styles.css"


def require_collected_static() -> None:
    if settings.DEBUG:
        return
    try:
        staticfiles_storage.url(PROBE)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Static files are not collected in {settings.STATIC_ROOT}: run "
            "`python manage.py collectstatic --no-input` before starting with DJANGO_DEBUG=0."
        ) from exc
