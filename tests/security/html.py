"""Reading our HTML the way a browser would, with the standard library's parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list[Element] = field(default_factory=list)


class _Collector(HTMLParser):
    """Every element with its text and descendants; ``found``: those matching ``wanted``."""

    def __init__(self, wanted: dict[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.found: list[Element] = []
        self.all: list[Element] = []
        self._open: list[Element] = []

    def _matches(self, attrs: dict[str, str | None]) -> bool:
        for name, value in self.wanted.items():
            actual = attrs.get(name)
            if actual is None:
                return False
            if name == "class":
                if value not in actual.split():
                    return False
            elif actual != value:
                return False
        return True

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attr_list)
        element = Element(tag, attrs)
        self.all.append(element)
        for outer in self._open:
            outer.children.append(element)
        if self._matches(attrs):
            self.found.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attr_list)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data


def find(html: str, **wanted: str) -> list[Element]:
    """Elements with these attributes (``class_`` matches one class name)."""
    if "class_" in wanted:
        wanted["class"] = wanted.pop("class_")
    parser = _Collector(wanted)
    parser.feed(html)
    parser.close()
    return parser.found


def all_elements(html: str) -> list[Element]:
    parser = _Collector({"\0never": ""})
    parser.feed(html)
    parser.close()
    return parser.all


def error_text(frame: str) -> str | None:
    """The text of the error alert in a frame (``#composer-error``, the one shown under a
    message, or an edit form's ``#edit-error-N``), or None if it has none."""
    found = find(frame, id="composer-error") or find(frame, class_="msg-error") or [
        element for element in all_elements(frame)
        if (element.attrs.get("id") or "").startswith("edit-error-")
    ]
    return found[0].text.strip() if found else None


def message_bodies(html: str) -> dict[str, Element]:
    """Each message's body element by article id (``msg-N``)."""
    bodies: dict[str, Element] = {}
    for article in find(html, class_="msg"):
        for child in article.children:
            if "msg-body" in (child.attrs.get("class") or "").split():
                bodies[article.attrs.get("id") or ""] = child
    return bodies
