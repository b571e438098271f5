"""Message source (a safe Markdown subset) to HTML, once, when a message is saved.

markdown-it-py parses (raw HTML off: it is shown as text), Pygments highlights fenced
code on the server (classes styled by our stylesheet), and nh3 cleans the result
against an allow-list, so whatever the parser or highlighter emit, the stored HTML
holds no script, handler, ``style``, ``javascript:`` URL or ``hx-*`` attribute.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from html import unescape
from typing import TYPE_CHECKING

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from rooms.mentions import MENTION_RE
from users.templatetags.people import profile_url

if TYPE_CHECKING:
    from users.models import User

# What a chat message may contain: emphasis, code, quotes, lists, links, line breaks.
ALLOWED_TAGS = {
    "p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span",
}
# data-user: who a mention link names (the page's per-viewer rule marks your own).
ALLOWED_ATTRIBUTES = {"a": {"href", "data-user"}, "ol": {"start"}}
# Pygments' token classes ("k", "s2", "nf"...), the wrapper of a highlighted block, and
# a mention's link.
ALLOWED_CLASSES = {
    "span": {name for name in STANDARD_TYPES.values() if name},
    "pre": {"highlight"},
    "a": {"mention"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"
# Longest fenced block highlighted; longer ones stay plain (highlighting is linear, but
# a message's save should not wait on a lexer's worst case).
HIGHLIGHT_LIMIT = 4000

_formatter = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Pygments for a fenced block with a known language; "" lets markdown-it escape it."""
    if not lang or len(code) > HIGHLIGHT_LIMIT:
        return ""
    try:
        lexer = get_lexer_by_name(lang.split()[0], stripnl=False)
    except ClassNotFound:
        return ""
    return f'<pre class="highlight"><code>{highlight(code, lexer, _formatter)}</code></pre>\n'


def _mention_links(state: StateCore) -> None:
    """``@name`` in plain text (not in code or links) becomes a link to the profile of
    each user the message mentions (``env["mentions"]``: lower-cased name -> user)."""
    mentioned = state.env.get("mentions") or {}
    if not mentioned:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in MENTION_RE.finditer(token.content):
                user = mentioned.get(match[1].lower())
                if user is None:
                    continue
                children.append(_text(token.content[position:match.start()]))
                link = Token("link_open", "a", 1)
                link.attrs = {"href": profile_url(user.username), "class": "mention",
                              "data-user": str(user.pk)}
                children += [link, _text(match[0]), Token("link_close", "a", -1)]
                position = match.end()
            children.append(_text(token.content[position:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


@functools.cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark",
        # "breaks": one newline is a line break, as people expect in a chat.
        {"breaks": True, "html": False, "linkify": True, "highlight": _highlight},
    )
    parser.enable(["linkify", "strikethrough"])
    parser.core.ruler.push("mention_links", _mention_links)
    # Not a chat's business: images (tracking pixels), headings, rules, reference links.
    # Entities stay as typed: "&lt;" shows "&lt;", not "<".
    parser.disable(["image", "heading", "lheading", "hr", "reference", "html_block",
                    "html_inline", "entity"])
    return parser


def sanitize(html: str) -> str:
    """The allow-list: anything not named above is dropped (tags keep their text)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )


def render_markdown(source: str, *, mentioned: Iterable[User] = ()) -> str:
    """The stored HTML of a message body (empty for an empty body); ``@name`` links to
    the profile of each of the ``mentioned`` users (``rooms.mentions``)."""
    if not source:
        return ""
    env = {"mentions": {user.username.lower(): user for user in mentioned}}
    return sanitize(_parser().render(source, env)).strip()


_TAG = re.compile(r"<[^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n")


def plain_text(html: str) -> str:
    """What a reader sees of stored HTML, as text: no tags, entities decoded, blocks on
    their own lines. Search indexes it and quotes it in snippets (``Message.body_text``).
    The HTML comes from ``render_markdown``, which already puts each block on a line."""
    return _BLANK_LINES.sub("\n", unescape(_TAG.sub("", html))).strip()
