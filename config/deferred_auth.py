"""Channels' cookie, session and user middleware in one layer, with the user loaded by
the consumers' shared handshake lookup instead of a hop of its own per socket.

``channels.auth.AuthMiddlewareStack`` loads the session and the user in a hop to a
database thread before the consumer starts, two queries per socket; during a reconnect
storm those hops are what limits handshakes per second. Here ``scope["user"]`` is a
lazy object (loaded as ``channels.auth.get_user`` does if anything touches it, in a
synchronous context), and the consumers look up every handshake in progress at once
(``rooms.handshake``) with ``users_for_sessions``, then ``settle_user`` fills it in.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import TYPE_CHECKING, Any

from channels.auth import UserLazyObject, get_user
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import parse_cookie
from django.utils.crypto import constant_time_compare
from django.utils.functional import empty

if TYPE_CHECKING:
    from users.models import User

# channels.auth.get_user is wrapped in database_sync_to_async; this is the plain function.
_load_user = get_user.func


class _UserOnFirstUse(UserLazyObject):
    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        self.__dict__["_scope"] = scope

    def _setup(self) -> None:
        self.settle(_load_user(self.__dict__["_scope"]))

    def settle(self, user: User | AnonymousUser) -> None:
        """Become ``user`` (loaded here, or by the consumers' shared lookup)."""
        scope = self.__dict__.pop("_scope")
        self._wrapped = user
        # The socket needs the session's key (its group), not its decoded contents,
        # which every open socket would otherwise keep (~1 KB each). Read again from
        # the store if anything asks.
        session = scope.get("session")
        if session is not None:
            vars(session).pop("_session_cache", None)


class SocketAuthMiddleware:
    """Channels' cookie, session and auth middleware for websockets, in one layer:
    ``scope["session"]`` from the session cookie, ``scope["user"]`` loaded on first use
    (synchronously: in a database hop).

    Each layer of a middleware stack stays on the stack as long as its socket is open,
    with its own copy of the scope; Channels' session layer also wraps every frame the
    socket sends, to save a modified session on an HTTP response, which a websocket
    never sends. One layer and no wrapper keep ~2 KB per socket and a call per frame."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        store = import_module(settings.SESSION_ENGINE).SessionStore
        scope = dict(scope, session=store(cookies.get(settings.SESSION_COOKIE_NAME)))
        if "user" not in scope:
            scope["user"] = _UserOnFirstUse(scope)
        return await self.inner(scope, receive, send)


def users_for_sessions(session_keys: set[str]) -> dict[str, User]:
    """The signed-in user of each session, for many handshakes at once: two queries in
    all, where ``channels.auth.get_user`` makes two per socket.

    The same checks as ``get_user``: an unexpired session naming
    one of ``AUTHENTICATION_BACKENDS``, a user that backend would let in, and the
    session's hash of the password matching the user's. A session whose hash does not
    match is deleted, as ``get_user`` flushes it. Sessions with no user are left out.
    """
    from users.models import User

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    claims: dict[str, tuple[int, str, str | None]] = {}
    for key, session in _sessions(store_class, session_keys):
        try:
            user_id = User._meta.pk.to_python(session[SESSION_KEY])
            backend_path = session[BACKEND_SESSION_KEY]
        except (KeyError, ValidationError):
            continue
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            claims[key] = (user_id, backend_path, session.get(HASH_SESSION_KEY))
    users = User.objects.in_bulk({user_id for user_id, _, _ in claims.values()})
    found: dict[str, User] = {}
    for key, (user_id, backend_path, session_hash) in claims.items():
        backend = load_backend(backend_path)
        user: User | None
        if isinstance(backend, ModelBackend):
            user = users.get(user_id)
            user = user if user is not None and backend.user_can_authenticate(user) else None
        else:  # a backend with its own rule: asked one by one
            user = backend.get_user(user_id)
        if user is None:
            continue
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            store_class(key).delete()
            continue
        found[key] = user
    return found


# Session stores whose rows live in django_session: read in one query for the batch.
_TABLE_ENGINES = {
    "django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db",
}


def _sessions(store_class: Any, keys: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each unexpired session's contents: one query for the database stores, else each
    loaded by its own store (cache, signed cookies)."""
    if settings.SESSION_ENGINE not in _TABLE_ENGINES:
        for key in keys:
            store = store_class(key)
            data = store.load()
            if store.session_key == key:  # load() makes a new key for a missing session
                yield key, data
        return
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    decoder = store_class()
    rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    for key, data in rows.values_list("session_key", "session_data"):
        yield key, decoder.decode(data)


def settle_user(scope: dict[str, Any], user: User | AnonymousUser) -> None:
    """Give the scope's lazy user the one loaded for it elsewhere (a batched lookup)."""
    lazy = scope.get("user")
    if isinstance(lazy, _UserOnFirstUse) and lazy._wrapped is empty:
        lazy.settle(user)
