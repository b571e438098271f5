"""What counts as a message: nothing invisible, and lengths counted as people count them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from rooms import services
from rooms.forms import BODY_REQUIRED
from rooms.models import Message


@pytest.mark.parametrize(
    "body",
    ["\u200b", "\u2800", "\u3164\u3164", "\u200e\u200f", "\u200b \u2800\n\u3164", "\ufeff",
     "\u115f\u1160", "\u2060\u200d"],
)
def test_a_message_of_invisible_characters_is_refused_like_an_empty_one(alice, lobby, body) -> None:
    with pytest.raises(ValidationError) as refused:
        services.message_create(room=lobby, author=alice, body=body)
    assert refused.value.messages == [BODY_REQUIRED]
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["🎉", "a\u200bb", "\u2800x", "日本語", "‏שלום"])
def test_visible_text_with_invisible_characters_in_it_is_kept(alice, lobby, body) -> None:
    assert services.message_create(room=lobby, author=alice, body=body).body == body


def test_the_limit_counts_characters_as_people_see_them(alice, lobby) -> None:
    # 2,000 emoji are 4,000 UTF-16 units in a browser, and 2,000 characters here.
    assert len(services.message_create(room=lobby, author=alice, body="🎉" * 2000).body) == 2000
    with pytest.raises(ValidationError) as refused:
        services.message_create(room=lobby, author=alice, body="x" * 5000)
    assert "at most 2000 characters (this one has 5000)" in refused.value.messages[0]
