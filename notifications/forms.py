from __future__ import annotations

from django import forms

from rooms.models import Membership

# The labels people see (the choice values are Membership.NotifyLevel's).
LEVEL_CHOICES = [
    (Membership.NotifyLevel.ALL, "All messages"),
    (Membership.NotifyLevel.MENTIONS, "Mentions"),
    (Membership.NotifyLevel.NOTHING, "Nothing"),
]


class NotifyLevelForm(forms.Form):
    notify_level = forms.ChoiceField(label="Notify me about", choices=LEVEL_CHOICES)

