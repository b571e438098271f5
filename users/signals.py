"""Close a session's open websockets when it logs out, and all of a user's when their
account is deactivated.

A websocket keeps the identity it had at the handshake, so without this a tab
would go on chatting as a user who has already logged out.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from rooms.groups import session_tag, user_group
from users.models import User

# Sent to user_group(user_id): the account was deactivated; every socket closes.
USER_DEACTIVATED = "user.deactivated"


@receiver(user_logged_out)
def close_sockets_on_logout(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key or user is None:
        return
    layer = get_channel_layer()
    if layer is not None:
        # To the user's sockets (one subscription each, not one more per session): those
        # of this session close, the others ignore it.
        event = {"type": "session.ended", "session": session_tag(session_key)}
        async_to_sync(layer.group_send)(user_group(user.pk), event)


@receiver(post_save, sender=User)
def close_sockets_on_deactivation(sender, instance: User, **kwargs) -> None:
    if instance.is_active:
        return
    from rooms.membership import tell_user

    user_id = instance.pk
    transaction.on_commit(lambda: tell_user(user_id, USER_DEACTIVATED))
