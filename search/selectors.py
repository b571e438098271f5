"""Message search: one read, limited by the same access rule as every other path.

``message_search`` never looks at a message outside ``rooms.access.readable_rooms``:
the access rule comes first, the words second, so a private room's messages are
neither listed nor counted for someone who cannot read the room.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from rooms.access import readable_rooms, room_for_user
from rooms.models import Message
from rooms.selectors import with_titles
from search.engines import CAP, MARK_END, MARK_START, engine, messages_in_order
from search.query import ParsedQuery, parse
from users.models import User

PAGE_SIZE = 20
SORTS = ("relevance", "newest")
_MARKED = re.compile(f"{MARK_START}(.*?){MARK_END}", re.DOTALL)
SNIPPET_PLAIN_WORDS = 30  # a filters-only search shows the start of each message

# Why there are no results to list (the page says something helpful for each).
EMPTY_QUERY = "empty"
STOP_WORDS_ONLY = "stop-words"


@dataclass(frozen=True)
class Hit:
    message: Message
    snippet: SafeString


@dataclass(frozen=True)
class Results:
    q: str
    sort: str = "relevance"
    page: int = 1
    hits: list[Hit] = field(default_factory=list)
    count: int = 0
    problem: str = ""  # something to fix in the query, said instead of results
    state: str = ""  # EMPTY_QUERY or STOP_WORDS_ONLY when nothing was searched
    ranked: bool = False  # words were searched (relevance order is possible)
    capped: bool = False  # more than CAP match: only the newest CAP are ranked and listed

    @property
    def has_more(self) -> bool:
        return self.page * PAGE_SIZE < self.count

    @property
    def count_number(self) -> str:
        return f"{self.count:,}"

    @property
    def count_text(self) -> str:
        """"1 result", "23 results", "1,000+ results"."""
        plural = "" if self.count == 1 and not self.capped else "s"
        return f"{self.count_number}{'+' if self.capped else ''} result{plural}"

    @property
    def first_number(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1


def highlighted(raw: str) -> SafeString:
    """Escape an engine's snippet and turn its marks into ``<mark>``, always balanced."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(raw))
    return SafeString(html.replace(MARK_START, "").replace(MARK_END, ""))


def _plain_snippet(body: str) -> SafeString:
    return SafeString(escape(Truncator(body).words(SNIPPET_PLAIN_WORDS, truncate=" …")))


def _scope(*, user: User, query: ParsedQuery) -> tuple[list[int], list[int]] | str:
    """The rooms and authors to search (ids), or what is wrong with the filters.

    The room ids are read first, on their own: with a known list of rooms the planner
    combines the word index and the room index once, instead of once per room.
    """
    if query.rooms:
        room_ids = []
        for slug in query.rooms:
            room = room_for_user(slug=slug, user=user)
            if room is None:
                return (f"There is no room “{slug}” that you can read. Use the name in its "
                        "address: /rooms/<name>/.")
            room_ids.append(room.pk)
    else:
        room_ids = list(readable_rooms(user).values_list("pk", flat=True))
    author_ids = []
    for username in query.authors:
        author = User.objects.filter(username__iexact=username).only("pk").first()
        if author is None:
            return f"No one is called “{username}”."
        author_ids.append(author.pk)
    return room_ids, author_ids


def message_search(*, user: User, q: str, sort: str = "relevance", page: int = 1) -> Results:
    """Messages ``user`` may read that match ``q``, one page of them, and how many in all.

    Four queries (rooms, page with count, messages, snippets) and one per filter value.
    Only the newest ``CAP`` matches are ranked, listed and counted (``capped`` says
    there are more): what a search costs does not grow with how common its words are.
    """
    sort = sort if sort in SORTS else SORTS[0]
    page = max(1, page)
    parsed = parse(q)
    if parsed.problems:
        return Results(q=q, sort=sort, problem=parsed.problems[0])
    if not parsed.has_words and not parsed.has_filters:
        if parsed.terms:  # only exclusions ("-lunch")
            return Results(q=q, sort=sort, problem="Add a word to look for: -word only "
                                                   "leaves words out.")
        return Results(q=q, sort=sort, state=EMPTY_QUERY)

    scope = _scope(user=user, query=parsed)
    if isinstance(scope, str):
        return Results(q=q, sort=sort, problem=scope)
    room_ids, author_ids = scope
    messages = Message.objects.filter(room_id__in=room_ids, deleted_at__isnull=True)
    if author_ids:
        messages = messages.filter(author_id__in=author_ids)
    search = engine()
    if parsed.has_words:
        messages = search.matching(messages, parsed)
    by_rank = parsed.has_words and sort == "relevance"
    start = (page - 1) * PAGE_SIZE
    ids, count = search.page(messages, parsed, by_rank=by_rank, offset=start, limit=PAGE_SIZE)
    if not ids and page > 1:  # past the end: still say how many there are
        count = messages.order_by()[: CAP + 1].count()
    if not count and parsed.has_words and search.only_stop_words(parsed):
        return Results(q=q, sort=sort, state=STOP_WORDS_ONLY)
    if parsed.has_words and ids:
        found = search.hits(ids, parsed)
        hits = [Hit(m, highlighted(snippet or m.body_text)) for m, snippet in found]
    else:
        hits = [Hit(m, _plain_snippet(m.body_text)) for m in messages_in_order(ids)]
    rooms = {h.message.room_id: h.message.room for h in hits}  # one instance per room,
    for hit in hits:  # titled for this user (a direct conversation: the other people)
        hit.message.room = rooms[hit.message.room_id]
    with_titles(list(rooms.values()), viewer=user)
    return Results(q=q, sort=sort, page=page, hits=hits, count=min(count, CAP),
                   ranked=parsed.has_words, capped=count > CAP)
