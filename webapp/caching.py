"""What every webhook would otherwise read again: copies, per process, of what is built from rows that rarely
change (a kecamatan's parser, its receiving numbers, a device's keys).

A copy is kept for ``PROCESS_CACHE_SECONDS`` (30 by default). When this process changes one of the tables a copy
was built from (through the session, or an ORM ``insert``/``update``/``delete``), every copy built from that table
is dropped at once; another process sees the change within ``PROCESS_CACHE_SECONDS``. Copies belong to the app
(``app.extensions``), so two apps in one process (the tests) never share one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

_TABLES: dict[str, set[str]] = {}  # cache name -> the tables its copies are built from


class Kept:
    """A named cache of values per key, each built from ``tables`` by the function given to ``get``."""

    def __init__(self, name: str, *tables: str):
        self.name = name
        _TABLES[name] = set(tables)

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        store = _store(self.name)
        now = time.monotonic()
        kept = store.get(key)
        if kept is not None and now - kept[0] < current_app.config["PROCESS_CACHE_SECONDS"]:
            return kept[1]
        value = build()
        store[key] = (now, value)
        return value

    def drop(self) -> None:
        _store(self.name).clear()


def forget() -> None:
    """Drop every copy this app keeps, and what this process remembers writing (a fresh start: the tests)."""
    current_app.extensions.pop("tangguh.kept", None)
    current_app.extensions.pop("tangguh.heard", None)


def _store(name: str) -> dict:
    return current_app.extensions.setdefault("tangguh.kept", {}).setdefault(name, {})


def _changed(tables: set[str]) -> None:
    if not tables or not has_app_context():
        return
    stores = current_app.extensions.get("tangguh.kept", {})
    for name, built_from in _TABLES.items():
        if built_from & tables and name in stores:
            stores[name].clear()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    changed = {type(obj).__table__.name for obj in (*session.new, *session.dirty, *session.deleted)
               if hasattr(type(obj), "__table__")}  # fmt: skip
    _changed(changed)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _changed({table.name} if table is not None else set())
