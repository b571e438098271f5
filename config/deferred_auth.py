"""Channels' session and user middleware, with the user loaded by the consumer's own
database hop instead of one of its own.

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

from typing import TYPE_CHECKING, Any

from channels.auth import UserLazyObject, get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib.auth.models import AnonymousUser
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
        session = getattr(scope.get("session"), "_wrapped", None)
        if session is not None and session is not empty:
            vars(session).pop("_session_cache", None)


class DeferredAuthMiddleware(BaseMiddleware):
    """``scope["user"]``, loaded on first use (synchronously: in the database thread)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        if "user" not in scope:
            scope["user"] = _UserOnFirstUse(scope)
        return await super().__call__(scope, receive, send)


def DeferredAuthMiddlewareStack(inner: Any) -> Any:  # named as Channels names its stack
    return CookieMiddleware(SessionMiddleware(DeferredAuthMiddleware(inner)))


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
