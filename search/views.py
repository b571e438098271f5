"""The search page: ``/search/?q=…&sort=newest&page=2``.

One URL for everything: a bookmark, the header form submitted without JavaScript,
search-as-you-type (htmx swaps ``#main`` from the same page) and **More results**
(htmx appends the next page to the list; without JavaScript it is the next page).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.http import AuthedRequest
from search import query, selectors

MORE_TARGET = "search-results"


def _page_number(value: str | None) -> int:
    try:
        return min(max(1, int(value or 1)), 1000)
    except ValueError:
        return 1


@login_required
@require_GET
def search(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[: query.MAX_LENGTH]
    results = selectors.message_search(
        user=request.user, q=q, sort=request.GET.get("sort", ""),
        page=_page_number(request.GET.get("page")),
    )
    template = "search/search.html"
    if request.htmx and request.htmx.target == MORE_TARGET:
        template += "#more"  # the next hits, appended, and the next button
    return render(request, template, {"search_results": results})
