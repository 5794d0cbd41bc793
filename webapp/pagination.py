"""Page parameters shared by the pages and the API."""

from __future__ import annotations

from flask import abort, current_app, request


class BadPage(ValueError):
    """``page`` or ``per_page`` is not a positive whole number."""


MAX_PAGE = 1_000_000  # far beyond any real list; keeps the SQL offset inside a 64-bit integer


def page_number(raw: str | None) -> int:
    """The ``page`` query parameter: a whole number from 1 to ``MAX_PAGE`` (1 when absent)."""
    if raw in (None, ""):
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadPage(f"page must be a whole number from 1 to {MAX_PAGE}")
    return int(raw)


def requested_page() -> int:
    """``page`` of the current request; a page number that cannot be one is a 400."""
    try:
        return page_number(request.args.get("page"))
    except BadPage:
        abort(400)


def page_args() -> tuple[int, int]:
    """``(page, per_page)`` from the query string; ``per_page`` is capped at ``API_MAX_PAGE_SIZE``."""
    values = []
    for name, default in (("page", 1), ("per_page", current_app.config["API_PAGE_SIZE"])):
        raw = request.args.get(name, "")
        if raw == "":
            values.append(default)
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
            raise BadPage(f"{name} must be a whole number from 1 to {MAX_PAGE}")
        values.append(int(raw))
    page, per_page = values
    return page, min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
