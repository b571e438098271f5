"""The two full-text engines behind search: PostgreSQL and SQLite's FTS5.

Each takes messages (already limited to what the user may read) and a parsed query,
and answers three questions: which messages match (with a relevance, higher is
better), what their snippets are, and whether the query held only stop words.
Snippets come back with the matched words between ``MARK_START`` and ``MARK_END``;
``search.selectors`` escapes the text and turns those into ``<mark>``.

Language: both use English stemming and English stop words, as Zulip does for its
chat search. Stemming is what people expect of chat ("meeting" finds "meetings",
"deployed" finds "deploy"), and chat is full of short common words ("the", "is")
that would otherwise match almost every message. PostgreSQL's ``simple`` would keep
names and foreign words intact but make every plural a miss. See search/schema.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchVectorField,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Case, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from rooms.models import Message
from search import schema
from search.stopwords import STOP_WORDS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from search.query import ParsedQuery

# Private-use characters: never produced by escaping, so they survive it intact.
MARK_START = "\ue000"
MARK_END = "\ue001"
SNIPPET_WORDS = 24
SHORT_MESSAGE = 160  # characters: a message this short is its own snippet
# Searches rank and count the newest CAP matches: a word in half of a million messages
# costs what a word in CAP of them does. The page says "1,000+ results" beyond it.
CAP = 1000


class Engine(Protocol):
    def matching(self, messages: QuerySet[Message], query: ParsedQuery) -> QuerySet[Message]:
        """``messages`` that match ``query``."""
        ...

    def page(
        self, messages: QuerySet[Message], query: ParsedQuery, *, by_rank: bool, offset: int,
        limit: int,
    ) -> tuple[list[int], int]:
        """Ids of one page of the newest ``CAP`` matches (best or newest first), and how
        many match, counted up to ``CAP + 1``."""
        ...

    def hits(self, ids: list[int], query: ParsedQuery) -> list[tuple[Message, str]]:
        """The messages ``ids``, in that order, each with its marked snippet."""
        ...

    def only_stop_words(self, query: ParsedQuery) -> bool: ...


class PostgresEngine:
    """A stored generated ``tsvector`` column with a GIN index (search/schema.py)."""

    def _tsquery(self, query: ParsedQuery) -> SearchQuery:
        return SearchQuery(
            query.websearch_text(), config=schema.LANGUAGE, search_type="websearch"
        )

    def matching(self, messages: QuerySet[Message], query: ParsedQuery) -> QuerySet[Message]:
        # The column is not a model field (SQLite has no such column), so it is named here.
        vector = RawSQL(  # noqa: S611 (constant names, no input)
            f'"{Message._meta.db_table}"."{schema.VECTOR_COLUMN}"', [],
            output_field=SearchVectorField(),
        )
        return messages.annotate(vector=vector).filter(vector=self._tsquery(query))

    def page(
        self, messages: QuerySet[Message], query: ParsedQuery, *, by_rank: bool, offset: int,
        limit: int,
    ) -> tuple[list[int], int]:
        # ts_rank runs on the newest CAP + 1 matches only, outside the query that finds
        # them: inside, it would run on every match before the newest were picked.
        ranked: dict[str, Any] = {
            "columns": ["vector"],
            "rank": "ts_rank(newest.vector, websearch_to_tsquery(%s::regconfig, %s))",
            "rank_params": [schema.LANGUAGE, query.websearch_text()],
        } if by_rank else {}
        with transaction.atomic(), connection.cursor() as cursor:
            # One process per search (three walked the newest messages for "coffee": 148 ms,
            # against 37 ms), and pages are in memory, so a rare word's rows are read from the
            # word index alone (1 ms, not 10). Measured at 1M messages: docs/search.md.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0; "
                           "SET LOCAL random_page_cost = 1.1")
            return capped_page(messages, offset=offset, limit=limit, **ranked)

    def hits(self, ids: list[int], query: ParsedQuery) -> list[tuple[Message, str]]:
        def headline(**options: Any) -> SearchHeadline:
            return SearchHeadline(
                schema.TEXT_COLUMN, self._tsquery(query), config=schema.LANGUAGE,
                start_sel=MARK_START, stop_sel=MARK_END, **options,
            )

        # A short message is shown whole; a long one as its best two passages.
        snippet = Case(
            When(LessThanOrEqual(Length(schema.TEXT_COLUMN), SHORT_MESSAGE),
                 then=headline(highlight_all=True)),
            default=headline(max_words=SNIPPET_WORDS, min_words=SNIPPET_WORDS // 2,
                             max_fragments=2, fragment_delimiter=" … "),
        )
        # The messages and their snippets in one query.
        rows = messages_in_order(ids, annotate={"snippet": snippet})
        return [(m, m.snippet) for m in rows]  # type: ignore[attr-defined]

    def only_stop_words(self, query: ParsedQuery) -> bool:
        # Ask the dictionary itself: its parser splits "it's" into two stop words.
        # querytree() is the part an index can use: '' or 'T' when nothing is left.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT querytree(websearch_to_tsquery(%s::regconfig, %s))",
                [schema.LANGUAGE, query.websearch_text()],
            )
            return cursor.fetchone()[0] in ("", "T")


# FTS5's unicode61 tokenizer keeps letters and digits; everything else separates.
_TOKENS = re.compile(r"[^\W_]+")


def fts5_expression(query: ParsedQuery) -> str:
    """The query as an FTS5 MATCH expression, '' if nothing is left to look for.

    Every word and phrase is written as a quoted FTS5 string of plain tokens, so no
    input can be read as FTS5 syntax. Stop words are dropped from words (PostgreSQL
    drops them too); "or" binds tighter than "and", as in ``websearch_to_tsquery``.
    """
    groups: list[list[str]] = []
    excluded: list[str] = []
    for term in query.terms:
        tokens = _TOKENS.findall(term.text.lower())
        if not term.phrase:
            tokens = [t for t in tokens if t not in STOP_WORDS]
        if not tokens:
            continue
        quoted = '"' + " ".join(tokens) + '"'
        if term.negated:
            excluded.append(quoted)
        elif term.or_before and groups:
            groups[-1].append(quoted)
        else:
            groups.append([quoted])
    if not groups:
        return ""
    wanted = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    return wanted + "".join(f" NOT {phrase}" for phrase in excluded)


class SqliteEngine:
    """An FTS5 table over ``rooms_message.body_text``, kept in step by triggers."""

    def matching(self, messages: QuerySet[Message], query: ParsedQuery) -> QuerySet[Message]:
        table = schema.FTS_TABLE
        expression = fts5_expression(query)
        if not expression:  # only stop words: FTS5 refuses an empty MATCH
            return messages.none()
        matched = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression])  # noqa: S611, S608
        return messages.filter(pk__in=matched)

    def page(
        self, messages: QuerySet[Message], query: ParsedQuery, *, by_rank: bool, offset: int,
        limit: int,
    ) -> tuple[list[int], int]:
        if not by_rank:
            return capped_page(messages, offset=offset, limit=limit)
        # bm25() (lower is better, so negated) is computed once per match in a full-text
        # query of its own: FTS5 functions cannot run under a window function, and a
        # per-row subquery would run the whole full-text query again for every match.
        table = schema.FTS_TABLE
        return capped_page(
            messages, offset=offset, limit=limit, rank="ranks.rank",
            before=f"WITH ranks AS MATERIALIZED (SELECT rowid AS id, -bm25({table}) AS rank "  # noqa: S608
                   f"FROM {table} WHERE {table} MATCH %s) ",
            before_params=[fts5_expression(query)], join="JOIN ranks ON ranks.id = newest.id",
        )

    def hits(self, ids: list[int], query: ParsedQuery) -> list[tuple[Message, str]]:
        table = schema.FTS_TABLE
        marks = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, snippet({table}, 0, %s, %s, '…', %s) FROM {table} "  # noqa: S608
                f"WHERE {table} MATCH %s AND rowid IN ({marks})",
                [MARK_START, MARK_END, SNIPPET_WORDS, fts5_expression(query), *ids],
            )
            snippets = dict(cursor.fetchall())
        return [(m, snippets.get(m.pk) or m.body_text) for m in messages_in_order(ids)]

    def only_stop_words(self, query: ParsedQuery) -> bool:
        return fts5_expression(query) == ""


def messages_in_order(ids: list[int], annotate: dict[str, Any] | None = None) -> list[Message]:
    """The messages ``ids`` with their room and author, in the order of ``ids``."""
    rows = Message.objects.select_related("room", "author").filter(pk__in=ids)
    by_id = {m.pk: m for m in rows.annotate(**(annotate or {}))}
    return [by_id[pk] for pk in ids if pk in by_id]


def capped_page(
    messages: QuerySet[Message], *, offset: int, limit: int, columns: list[str] | None = None,
    rank: str = "", rank_params: list[str] | None = None, before: str = "",
    before_params: list[str] | None = None, join: str = "",
) -> tuple[list[int], int]:
    """One page of the newest ``CAP`` of ``messages`` (ids, by ``rank`` or newest first)
    and how many there are, counted up to ``CAP + 1``.

    The newest ``CAP + 1`` are picked first (by id: ids grow with time), so however
    common the words, no more are ranked or counted. The database picks them by walking
    the newest messages or by collecting every match, as its statistics say (docs/search.md).
    """
    try:
        newest = messages.order_by("-id").values("id", "created_at", *(columns or []))
        sql, params = newest[: CAP + 1].query.sql_with_params()
    except EmptyResultSet:  # a query that can match nothing (.none())
        return [], 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"{before}SELECT id, total FROM (SELECT newest.id, newest.created_at, "  # noqa: S608
            f"{rank or 0} AS rank, COUNT(*) OVER () AS total, "
            f"ROW_NUMBER() OVER (ORDER BY newest.id DESC) AS age FROM ({sql}) AS newest {join}"
            f") AS hits WHERE age <= %s "
            f"ORDER BY {'rank DESC, ' if rank else ''}created_at DESC, id DESC LIMIT %s OFFSET %s",
            [*(before_params or []), *(rank_params or []), *params, CAP, limit, offset],
        )
        rows = cursor.fetchall()
    return [pk for pk, _ in rows], rows[0][1] if rows else 0


def engine() -> Engine:
    return PostgresEngine() if connection.vendor == "postgresql" else SqliteEngine()
