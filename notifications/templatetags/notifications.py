"""``{% notify_level_form room %}``: the viewer's **Notify me about** form on a members page."""

from __future__ import annotations

from django import template

from notifications.forms import NotifyLevelForm
from rooms.models import Membership, Room

register = template.Library()


@register.inclusion_tag("notifications/_level_form.html", takes_context=True)
def notify_level_form(context: template.Context, room: Room) -> dict[str, object]:
    """The viewer's **Notify me about** form for ``room``; nothing for a non-member."""
    request = context["request"]
    level = (
        Membership.objects.filter(room_id=room.pk, user_id=request.user.pk)
        .values_list("notify_level", flat=True)
        .first()
    )
    if level is None:
        return {"hidden": True}
    form = NotifyLevelForm(initial={"notify_level": level})
    return {"request": request, "room": room, "form": form, "csrf_token": context.get("csrf_token")}

