"""What the docs name exists: settings, files, make targets, management commands, tests.

README.md and docs/*.md tell an operator which variables to set and a developer which
command to run and which test proves what. A rename that forgets the docs fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE = "\n".join(
    path.read_text()
    for path in ROOT.rglob("*.py")
    if not path.is_relative_to(ROOT / "tests")
    and not any(part.startswith(".") or part == "node_modules" for part in path.parts)
) + (ROOT / "Procfile").read_text()

# `CODE` spans of the docs: what a reader would copy.
SPANS = [(doc, span) for doc in DOCS for span in re.findall(r"`([^`\n]+)`", doc.read_text())]
SETTING = re.compile(r"\b((?:DJANGO|CHAT|ALLAUTH|CHANNEL)_[A-Z0-9_]+|REDIS_URL|DATABASE_URL|EMAIL_URL)\b")
PATH = re.compile(r"^((?:config|rooms|users|tests|bench|docs|theme|templates|notifications|search)"
                  r"/[\w./-]*[\w/])$")
TEST_REF = re.compile(r"^(?:([\w/]*test_\w+\.py))?(?:::(test_\w+))?$")


def _named(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    found = {(doc.name, m) for doc, span in SPANS for m in pattern.findall(span)}
    return sorted(found)


@pytest.mark.parametrize(("doc", "name"), _named(SETTING))
def test_every_setting_the_docs_name_is_read_by_the_code(doc: str, name: str) -> None:
    assert name in CODE, f"{doc} names {name}, which no code reads"


def test_every_file_the_docs_name_exists() -> None:
    def exists(span: str) -> bool:
        # From the root, or inside an app ("`templates/search/`" in the search app's doc).
        return (ROOT / span).exists() or any(ROOT.glob(f"*/{span.rstrip('/')}"))

    missing = [
        (doc.name, span) for doc, span in SPANS
        if PATH.match(span) and "<" not in span and "*" not in span
        and not span.startswith("bench/results/")  # the benchmark's output, not committed
        and not exists(span)
    ]
    assert not missing


def test_every_make_target_and_management_command_the_docs_name_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.MULTILINE))
    commands = set(get_commands())
    missing = []
    for doc in DOCS:
        text = doc.read_text()
        # In code spans and code blocks only: prose says "make it" too.
        blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
        code = "\n".join(blocks + re.findall(r"`([^`\n]+)`", text))
        missing += [(doc.name, f"make {t}")
                    for t in re.findall(r"(?:^|\s)make ([a-z][\w-]*)", code, flags=re.MULTILINE)
                    if t not in targets]
        missing += [(doc.name, f"manage.py {c}") for c in re.findall(r"manage\.py ([a-z_]+)", text)
                    if c not in commands]
    assert not missing


def test_every_test_the_docs_cite_exists() -> None:
    tests = {path.relative_to(ROOT).as_posix(): path.read_text()
             for path in (ROOT / "tests").rglob("test_*.py")}

    def sources(ref: str) -> list[str]:
        """The test files ``ref`` may mean: "test_floods.py" or "tests/rooms/test_x.py"."""
        return [text for path, text in tests.items() if f"/{path}".endswith(f"/{ref}")]

    missing = []
    for doc in DOCS:
        current = None  # "`a.py::x`, `::y`" cites a.py::y
        for span in re.findall(r"`([^`\n]+)`", doc.read_text()):
            match = TEST_REF.match(span)
            if not match or not any(match.groups()):
                continue
            if match.group(1):
                current = match.group(1)
                if not sources(current):
                    missing.append((doc.name, span))
                    continue
            name = match.group(2)
            if name and current and not any(
                re.search(rf"def {name}\b", text) for text in sources(current)
            ):
                missing.append((doc.name, span))
    assert not missing
