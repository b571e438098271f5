"""Message formatting: a safe Markdown subset, sanitised against an allow-list."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rooms.formatting import render_markdown

# What stored message HTML must never contain, whatever the source.
FORBIDDEN = [
    re.compile(r"<\s*(script|style|iframe|object|embed|img|svg|math|form|input|link|meta)\b", re.I),
    re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),  # event handlers
    re.compile(r"<[^>]*\sstyle\s*=", re.I),
    re.compile(r"<[^>]*\s(data-)?hx-[a-z-]*", re.I),
    re.compile(r"""<[^>]*\s(href|src|action|formaction)\s*=\s*["']?\s*(javascript|vbscript|data):""", re.I),
]
# The tags and attributes the allow-list lets through.
TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)([^>]*)>")
ATTRIBUTE = re.compile(r'\s([a-zA-Z-]+)="[^"]*"')
ALLOWED = {
    "p": set(), "br": set(), "strong": set(), "em": set(), "s": set(), "code": set(),
    "pre": {"class"}, "blockquote": set(), "ul": set(), "ol": {"start"}, "li": set(),
    "a": {"href", "target", "rel", "class", "data-user"}, "span": {"class"},
}

KNOWN_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[x](https://example.com "title" onmouseover="alert(1)")',
    "![x](https://example.com/a.png)",
    "![x](javascript:alert(1))",
    "<div hx-get=/admin hx-trigger=load>x</div>",
    '<button data-hx-post="/rooms/x/messages/1/delete/" hx-trigger="load">',
    "<style>body{display:none}</style>",
    '<p style="position:fixed;inset:0">cover</p>',
    "```html\n<script>alert(1)</script>\n```",
    "```js\n</code></pre><script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "<iframe src=https://example.com></iframe>",
    "<<script>script>alert(1)<</script>/script>",
    "<a href='https://example.com' onclick='alert(1)'>x</a>",
    "[a](<javascript:alert(1)>)",
    "<https://example.com/\" onmouseover=\"alert(1)>",
    "www.example.com/\"onmouseover=alert(1)//",
    "> <details open ontoggle=alert(1)>",
    "- <form action=javascript:alert(1)><input type=submit>",
    "*<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>*",
]


def assert_safe(html: str) -> None:
    for pattern in FORBIDDEN:
        assert not pattern.search(html), (pattern.pattern, html)
    for _closing, tag, attributes in TAG.findall(html):
        assert tag in ALLOWED, html
        for name in ATTRIBUTE.findall(attributes):
            assert name in ALLOWED[tag], (tag, name, html)


@pytest.mark.parametrize("source", KNOWN_VECTORS)
def test_known_xss_vectors_come_out_inert(source: str) -> None:
    assert_safe(render_markdown(source))


MARKDOWN_PIECES = st.sampled_from([
    "**", "*", "_", "`", "```", "```python\n", "\n", "\n\n", "> ", "- ", "1. ", "[", "]", "(",
    ")", "<", ">", '"', "'", "=", "javascript:", "JaVaScRiPt:", "data:", "vbscript:", "&#",
    ";", "script", "img", "src", "onerror", "onload", "style", "hx-get", "data-hx-post",
    "href", "http://", "https://example.com", "www.", "alert(1)", "\t", " ", "&", "\\", "!",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(MARKDOWN_PIECES, st.text(max_size=8)), max_size=40).map("".join))
def test_no_markdown_source_produces_active_content(source: str) -> None:
    assert_safe(render_markdown(source))


def test_the_markdown_subset_renders() -> None:
    html = render_markdown(
        "**bold** *italic* `code` ~~gone~~\n> quoted\n\n- one\n- two\n\n3. three\n\n"
        "[a link](https://example.com) and www.example.org\n\n```python\ndef f():\n    pass\n```"
    )
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<code>code</code>" in html and "<s>gone</s>" in html
    assert "<blockquote>" in html and "<li>one</li>" in html and '<ol start="3">' in html
    assert (
        '<a href="https://example.com" target="_blank" rel="nofollow noopener noreferrer">'
        "a link</a>" in html
    )
    assert '<a href="http://www.example.org"' in html
    # Highlighted on the server: Pygments' classes, styled by our stylesheet.
    assert '<pre class="highlight"><code><span class="k">def</span>' in html


def test_raw_html_is_shown_as_text_and_a_line_break_is_kept() -> None:
    html = render_markdown("<b>hi</b>\nthere")
    assert html == "<p>&lt;b&gt;hi&lt;/b&gt;<br>\nthere</p>"


def test_headings_images_and_rules_are_not_part_of_the_subset() -> None:
    html = render_markdown("# Title\n\n---\n\n![alt](https://example.com/x.png)")
    assert "<h1" not in html and "<hr" not in html and "<img" not in html
    assert "# Title" in html
