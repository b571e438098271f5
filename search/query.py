"""What a search box query means: filters, words and phrases. Pure, no database.

The syntax is PostgreSQL's ``websearch_to_tsquery`` (words, ``"quoted phrases"``,
``or``, ``-excluded``) plus two filters: ``from:alice`` and ``in:room-slug``. Both
search engines start from the same :class:`ParsedQuery`, so a query means the same
on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILTERS = ("from", "in")
MAX_LENGTH = 200

# A quoted phrase (possibly unterminated, possibly negated), or a run of non-space.
_TOKEN = re.compile(r'-?"[^"]*"?|\S+')
_FILTER = re.compile(r"^([A-Za-z]+):(.*)$", re.DOTALL)
# A word counts only if it holds something a tokenizer keeps (letters or digits).
_WORDLIKE = re.compile(r"\w")


@dataclass(frozen=True)
class Term:
    text: str  # a word, or a phrase without its quotes
    phrase: bool = False
    negated: bool = False
    or_before: bool = False  # joined to the previous term by "or"


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...] = ()
    authors: tuple[str, ...] = ()  # from: usernames, lower-cased
    rooms: tuple[str, ...] = ()  # in: slugs, lower-cased
    problems: tuple[str, ...] = field(default=())  # what the user must fix

    @property
    def has_filters(self) -> bool:
        return bool(self.authors or self.rooms)

    @property
    def has_words(self) -> bool:
        """At least one term to look for (an exclusion alone is not a search)."""
        return any(not t.negated for t in self.terms)

    def websearch_text(self) -> str:
        """The words and phrases, without filters, in ``websearch_to_tsquery`` syntax."""
        parts = []
        for term in self.terms:
            text = f'"{term.text}"' if term.phrase else term.text
            parts.append(("or " if term.or_before else "") + ("-" if term.negated else "") + text)
        return " ".join(parts)


def unknown_filter_problem(key: str) -> str:
    return (
        f"“{key}:” is not a filter we know. Use from:name, in:room or \"quoted words\" "
        "(put words with a colon in quotes)."
    )


def parse(q: str) -> ParsedQuery:
    terms: list[Term] = []
    authors: list[str] = []
    rooms: list[str] = []
    problems: list[str] = []
    pending_or = False
    for token in _TOKEN.findall(q[:MAX_LENGTH]):
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        if body.startswith('"'):
            text = " ".join(body.strip('"').split())
            if _WORDLIKE.search(text):
                terms.append(Term(text, phrase=True, negated=negated, or_before=pending_or))
            pending_or = False
            continue
        match = _FILTER.match(token)
        if match:
            key, value = match.group(1).lower(), match.group(2).strip().lower()
            if key not in FILTERS:
                problems.append(unknown_filter_problem(match.group(1)))
            elif key == "from" and value.lstrip("@"):
                authors.append(value.lstrip("@"))
            elif key == "in" and value:
                rooms.append(value)
            else:
                problems.append(f"Say what comes after {key}:, for example {key}:{_EXAMPLE[key]}.")
            continue
        if token.lower() == "or" and terms:
            pending_or = True
            continue
        if _WORDLIKE.search(body):
            terms.append(Term(body, negated=negated, or_before=pending_or and not negated))
        pending_or = False
    return ParsedQuery(tuple(terms), tuple(authors), tuple(rooms), tuple(problems))


_EXAMPLE = {"from": "alice", "in": "book-club"}
