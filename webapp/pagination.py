"""Page parameters shared by the pages and the API."""

from __future__ import annotations

from flask import current_app, request


class BadPage(ValueError):
    """``page`` or ``per_page`` is not a positive whole number."""


def page_args() -> tuple[int, int]:
    """``(page, per_page)`` from the query string; ``per_page`` is capped at ``API_MAX_PAGE_SIZE``."""
    values = []
    for name, default in (("page", 1), ("per_page", current_app.config["API_PAGE_SIZE"])):
        raw = request.args.get(name, "")
        if raw == "":
            values.append(default)
            continue
        if not raw.isdigit() or int(raw) < 1:
            raise BadPage(f"{name} must be a positive whole number")
        values.append(int(raw))
    page, per_page = values
    return page, min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
