"""What an action may use: the socket it came from, and the shared validation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.forms import Form

from rooms.forms import first_error

if TYPE_CHECKING:
    from rooms.models import Room
    from rooms.typing import Typist
    from users.models import User


class Socket(Protocol):
    """The connection an action came from (``rooms.consumers.RoomConsumer``)."""

    room: Room
    user: User
    typist: Typist

    async def send_frame(self, html: str) -> None:
        """Send a frame to this socket only (errors, the sender's composer)."""

    async def sync(self, after: int) -> None:
        """Send this socket what its page missed after room seq ``after``."""


def cleaned(form_class: type[Form], data: dict[str, Any]) -> dict[str, Any]:
    """The form's cleaned data, or ValidationError with its first error."""
    form = form_class(data=data)
    if not form.is_valid():
        raise ValidationError(first_error(form))
    return form.cleaned_data
