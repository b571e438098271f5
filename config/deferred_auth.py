"""Channels' cookie, session and user middleware in one layer, with the user loaded by
the consumer's own database hop instead of one of its own.

``channels.auth.AuthMiddlewareStack`` loads the session and the user in a hop to the
database thread before the consumer starts; the room consumer then makes a second hop
for the room. Every hop takes a pooled connection (and its health check) in the one
thread all database work of a process shares, so during a reconnect storm that thread
is what limits handshakes per second. Here ``scope["user"]`` is a lazy object that
loads the user (exactly as ``channels.auth.get_user`` does: session, backend, session
hash) the first time it is used, which must be in a synchronous context: the room
consumer touches it inside its one hop; other consumers call ``resolved_user`` first.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from channels.auth import UserLazyObject, get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import parse_cookie
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
        scope = self.__dict__.pop("_scope")
        self._wrapped = _load_user(scope)
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


def user_now(scope: dict[str, Any]) -> User | AnonymousUser:
    """The scope's user, loading it if needed: call from synchronous code only."""
    user = scope.get("user")
    if user is None:
        return AnonymousUser()
    user.is_authenticated  # noqa: B018  (loads the lazy object)
    return user


async def resolved_user(scope: dict[str, Any]) -> User | AnonymousUser:
    """The scope's user, loaded in one database hop if it has not been yet."""
    user = scope.get("user")
    if isinstance(user, UserLazyObject) and user._wrapped is empty:
        await database_sync_to_async(user_now)(scope)
    return user if user is not None else AnonymousUser()
