"""Page parameters shared by the pages and the API."""

from __future__ import annotations

from flask import abort, current_app, request


class BadPage(ValueError):
    """``page`` or ``per_page`` is not a positive whole number."""


MAX_PAGE = 1_000_000  # far beyond any real list; keeps the SQL offset inside a 64-bit integer


def page_number(raw: str | None, name: str = "page", default: int = 1) -> int:
    """A paging query parameter (``page``, ``per_page``): a whole number from 1 to ``MAX_PAGE``; ``default`` when
    absent. The one parser of every page parameter, for pages and the API alike."""
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:  # "²" is a digit, not a number
        raise BadPage(f"{name} must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def requested_page() -> int:
    """``page`` of the current request; a page number that cannot be one is a 400."""
    try:
        return page_number(request.args.get("page"))
    except BadPage:
        abort(400)


def page_args() -> tuple[int, int]:
    """``(page, per_page)`` from the query string; ``per_page`` is capped at ``API_MAX_PAGE_SIZE``."""
    page = page_number(request.args.get("page"))
    per_page = page_number(request.args.get("per_page"), "per_page", current_app.config["API_PAGE_SIZE"])
    return page, min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
