"""The profile settings form."""

from __future__ import annotations

from typing import cast

from django import forms

from users.models import User, time_zone_names


class ProfileForm(forms.ModelForm):
    # A plain select of every IANA zone: no script needed to pick one.
    time_zone = forms.ChoiceField(label="Time zone")

    class Meta:
        model = User
        fields = ["display_name", "time_zone", "email_notifications"]
        labels = {"display_name": "Display name"}
        help_texts = {
            "display_name": "Shown on your messages. Leave it empty to show your username.",
            "email_notifications": (
                "Email me about mentions and direct messages I have not read after a few "
                "minutes, at my verified email address. Each conversation's members page "
                "says how much (Notify me about)."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (name, name.replace("_", " ")) for name in time_zone_names()
        ]

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())
