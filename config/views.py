"""Site-wide answers that belong to no app: the web app manifest.

(``/favicon.ico`` is a file WhiteNoise serves from ``WHITENOISE_ROOT``.)
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(public=True, max_age=60 * 60)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: a name and icons when someone adds Chatrooms to a home screen."""
    return JsonResponse(
        {
            "name": "Chatrooms",
            "short_name": "Chatrooms",
            "description": "Real-time chat rooms.",
            "start_url": "/rooms/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#f1f5f9",
            "theme_color": "#4f39f6",
            "icons": [
                {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
                {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
    )
