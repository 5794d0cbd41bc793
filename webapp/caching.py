"""What every webhook or list page would otherwise read again: copies, per process, of what is built from rows that
rarely change (a kecamatan's parser, its receiving numbers, a device's keys, a kabupaten's desa for the filter).

A copy is kept for ``PROCESS_CACHE_SECONDS`` (30 by default). When this process changes what a copy was built
from (a watched column of an object the session flushes, a row it adds or deletes, or any ORM
``insert``/``update``/``delete`` of a watched table), every copy built from it is dropped at once; another process
sees the change within ``PROCESS_CACHE_SECONDS``. Copies belong to the app
(``app.extensions``), so two apps in one process (the tests) never share one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

T = TypeVar("T")

_WATCHED: dict[str, dict[str, set[str]]] = {}  # cache name -> table -> the columns its copies are built from


class Kept:
    """A named cache of values per key, each built by the function given to ``get`` from ``columns`` (mapped
    attributes, such as ``Region.name``); a column that is not watched (a phone's last message in) can change
    without dropping anything."""

    def __init__(self, name: str, *columns):
        self.name = name
        watched: dict[str, set[str]] = {}
        for column in columns:
            watched.setdefault(column.class_.__table__.name, set()).add(column.key)
        _WATCHED[name] = watched

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        store = _store(self.name)
        now = time.monotonic()
        kept = store.get(key)
        if kept is not None and now - kept[0] < current_app.config["PROCESS_CACHE_SECONDS"]:
            return kept[1]
        value = build()
        store[key] = (now, value)
        return value


def forget() -> None:
    """Drop every copy this app keeps, and what this process remembers writing (a fresh start: the tests)."""
    current_app.extensions.pop("tangguh.kept", None)
    current_app.extensions.pop("tangguh.heard", None)


def _store(name: str) -> dict:
    return current_app.extensions.setdefault("tangguh.kept", {}).setdefault(name, {})


def _changed(changes: dict[str, set[str] | None]) -> None:
    """Drop the copies built from ``changes``: table -> the columns changed, or None for the whole row."""
    if not changes or not has_app_context():
        return
    stores = current_app.extensions.get("tangguh.kept", {})
    for name, watched in _WATCHED.items():
        if name in stores and any(table in watched and (columns is None or columns & watched[table])
                                  for table, columns in changes.items()):  # fmt: skip
            stores[name].clear()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    watched = {table for tables in _WATCHED.values() for table in tables}
    changes: dict[str, set[str] | None] = {}
    for obj in (*session.new, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in watched:
            changes[table.name] = None
    for obj in session.dirty:
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in watched and changes.get(table.name, set()) is not None:
            changed = {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}
            changes[table.name] = changes.get(table.name, set()) | changed
    _changed(changes)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _changed({table.name: None} if table is not None else {})
