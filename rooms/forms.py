"""Forms: one validation for the HTTP views and the websocket consumer."""

from __future__ import annotations

import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from rooms.models import Room

BODY_REQUIRED = "Type a message before sending."
BODY_UNREADABLE = "That message contains characters that cannot be shown."
ROOM_EXISTS = "A room with that name already exists."
BODY_TOO_LONG = "Messages can be at most %(limit_value)d characters (this one has %(show_value)d)."


def first_error(form: forms.Form) -> str:
    """The one error shown for an invalid form (the sender fixes one thing at a time)."""
    for errors in form.errors.values():
        return str(errors[0])
    return "That could not be read."


# Characters that draw nothing although Unicode files them as letters or symbols: the
# Braille blank, Hangul fillers, the combining grapheme joiner, Khmer inherent vowels.
_BLANK_LETTERS = frozenset("\u2800\u3164\u115f\u1160\uffa0\u034f\u17b4\u17b5")
# Formatting (zero-width space, direction marks, joiners, tags), controls, separators.
_BLANK_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})


def _draws_nothing(char: str) -> bool:
    code = ord(char)
    return (
        char.isspace()
        or char in _BLANK_LETTERS
        or unicodedata.category(char) in _BLANK_CATEGORIES
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
    )


def is_blank(text: str) -> bool:
    """True when ``text`` would show as nothing at all (empty, spaces, invisible marks)."""
    return all(_draws_nothing(char) for char in text)


class BodyField(forms.CharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
            strip=True,
            error_messages={"required": BODY_REQUIRED, "max_length": BODY_TOO_LONG},
            **kwargs,
        )

    def to_python(self, value):
        if value is not None and not isinstance(value, str):
            raise ValidationError("The message text must be a string.", code="invalid")
        value = super().to_python(value)
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                # JSON can spell half a surrogate pair ("\ud800"), which no database stores.
                raise ValidationError(BODY_UNREADABLE, code="invalid") from None
        if value and is_blank(value):
            # Only invisible characters: an empty bubble for everyone else.
            raise ValidationError(BODY_REQUIRED, code="required")
        # Normalise line endings so the length limit counts what the user sees.
        return value.replace("\r\n", "\n").replace("\r", "\n")


class MessageIdField(forms.IntegerField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            min_value=1,
            max_value=2**63 - 1,
            error_messages={
                "required": "Say which message.",
                "invalid": "That is not a message id.",
                "min_value": "That is not a message id.",
                "max_value": "That is not a message id.",
            },
            **kwargs,
        )

    def to_python(self, value):
        # JSON gives us ints, booleans, floats and lists too: only whole numbers pass.
        if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class MessageForm(forms.Form):
    body = BodyField()
    # The message this one answers (the composer's "Replying to").
    reply_to = MessageIdField(required=False)
    # The composer's idempotency key (a fresh one is rendered after each send).
    key = forms.RegexField(regex=r"^[0-9A-Za-z_-]{1,40}$", required=False)


class MessageEditForm(forms.Form):
    message_id = MessageIdField()
    body = BodyField()


class MessageDeleteForm(forms.Form):
    message_id = MessageIdField()


class ReactForm(forms.Form):
    message_id = MessageIdField()
    emoji = forms.CharField(max_length=8, error_messages={"required": "Choose a reaction."})


class ReplyForm(forms.Form):
    # Empty: cancel the reply.
    message_id = MessageIdField(required=False)


class SyncForm(forms.Form):
    after = forms.IntegerField(min_value=0, max_value=2**63 - 1)


class RoomForm(forms.ModelForm):
    private = forms.BooleanField(required=False, label="Private (invite only)")

    class Meta:
        model = Room
        fields = ["name"]
        labels = {"name": "Room name"}
        error_messages = {
            "name": {
                "required": "Give the room a name.",
                "max_length": "Room names can be at most %(limit_value)d characters.",
            }
        }

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if is_blank(name):
            raise ValidationError("Give the room a name.", code="required")
        return name

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        name = cleaned.get("name")
        # Any script is a name ("日本語チャット", "🎉🎉"). Public rooms' names differ (their
        # URLs may not: "C#" and "C++"); a private room's name is its members' business.
        if name and not cleaned.get("private") and public_name_taken(name):
            self.add_error("name", ValidationError(ROOM_EXISTS, code="duplicate"))
        return cleaned


def public_name_taken(name: str) -> bool:
    return Room.objects.filter(kind=Room.Kind.PUBLIC, name__iexact=name).exists()


class ConversationForm(forms.Form):
    people = forms.CharField(
        label="People", max_length=400,
        error_messages={"required": "Name at least one person to start a conversation with."},
    )

    def clean_people(self) -> list[str]:
        # Usernames separated by commas or spaces; "@alice" means alice.
        return [name for name in self.cleaned_data["people"].replace(",", " ").split() if name]


class MemberAddForm(forms.Form):
    username = forms.CharField(
        label="Username", max_length=150,
        error_messages={"required": "Type the username of the person to add."},
    )
