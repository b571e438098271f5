"""The search query language, without a database: filters, phrases, or, exclusions."""

from __future__ import annotations

from search.engines import fts5_expression
from search.query import Term, parse


def test_words_phrases_and_filters_are_told_apart() -> None:
    parsed = parse('budget "next week" from:@Alice in:Book-Club')
    assert parsed.terms == (Term("budget"), Term("next week", phrase=True))
    assert parsed.authors == ("alice",) and parsed.rooms == ("book-club",)
    assert parsed.websearch_text() == 'budget "next week"'
    assert not parsed.problems


def test_unknown_filters_and_empty_filters_are_problems() -> None:
    assert 'is not a filter we know' in parse("http://example.com").problems[0]
    assert parse("from:").problems == ("Say what comes after from:, for example from:alice.",)
    # Quoted, a colon is just text.
    assert parse('"http://example.com"').terms == (Term("http://example.com", phrase=True),)


def test_or_and_exclusions_mean_the_same_on_both_engines() -> None:
    parsed = parse("lunch or dinner -pizza friday")
    assert parsed.websearch_text() == "lunch or dinner -pizza friday"
    assert fts5_expression(parsed) == '("lunch" OR "dinner") AND "friday" NOT "pizza"'
    assert parse("-pizza").has_words is False


def test_fts5_expression_cannot_be_injected_and_drops_stop_words() -> None:
    assert fts5_expression(parse('NEAR(a b) "x" AND* ^col:y')) == '"near" AND "b" AND "x" AND "col y"'
    assert fts5_expression(parse("the of it's")) == ""
    assert fts5_expression(parse('"the end"')) == '"the end"'
    assert parse("!!! ...").terms == ()
