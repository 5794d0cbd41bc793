"""The way back from an upgrade: the backup taken before it restores over the newer schema (whose new tables point
at old ones) on SQLite and PostgreSQL, and ``flask upgrade`` brings it forward again; a damaged backup, or a
restore failing half-way, changes nothing."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import text
from test_upgrade import desk_on, flask, head, insert, migrate, revision, rows_0014, scratch_database, snapshot

from webapp.extensions import db
from webapp.operations.backup import backup


@pytest.fixture
def desk(database_uri, tmp_path):
    """A desk on its own empty database."""
    with scratch_database(database_uri, tmp_path) as url, desk_on(url, tmp_path) as app:
        yield app


def execute(app, *statements: str) -> None:
    with app.app_context():
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        db.engine.dispose()


def backup_of(app, directory):
    with app.app_context():
        return backup(app.config["SQLALCHEMY_DATABASE_URI"], directory)


def test_the_backup_from_before_an_upgrade_restores_over_the_newer_schema_and_upgrades_again(desk, tmp_path):
    migrate(desk, "0014")
    insert(desk, rows_0014())
    before = snapshot(desk)
    assert flask(desk, "upgrade").exit_code == 0
    [taken] = list((tmp_path / "backups").glob("tangguh-*"))  # the one `flask upgrade` took before it migrated
    # The newer schema in use: rows in its new tables and columns, pointing at the old tables' rows.
    proposal = {
        "id": 1,
        "incident_id": 1,
        "report_id": 1,
        "counts": {"mengungsi": 60},
        "before": {"mengungsi": 45},
        "status": "diterima",
        "created_at": rows_0014()["incident"][0]["updated_at"],
        "decided_by_id": 2,
    }
    insert(desk, {"figure_proposal": [proposal]})
    execute(
        desk,
        "UPDATE need SET report_id = 7 WHERE id = 1",
        "UPDATE \"user\" SET nip = '198001012006041001' WHERE id = 2",
        "INSERT INTO service_state (name, at, ok, detail) VALUES ('worker', CURRENT_TIMESTAMP, TRUE, 'sent=3')",
    )

    result = flask(desk, "restore", str(taken), "--force")
    assert result.exit_code == 0, result.output
    assert revision(desk) == "0014"
    after = snapshot(desk)
    assert "figure_proposal" not in after and "service_state" not in after
    assert "report_id" not in after["need"][(1,)] and "nip" not in after["user"][(2,)]
    restored = after["audit_entry"].pop(max(after["audit_entry"]))  # written by `flask restore` after it
    assert (restored["action"], restored["target"]) == ("database_restored", taken.name)
    assert after == before

    again = flask(desk, "upgrade")
    assert again.exit_code == 0, again.output
    assert revision(desk) == head(desk)
    upgraded = snapshot(desk)
    assert upgraded["figure_proposal"] == {} and upgraded["incident"].keys() == before["incident"].keys()


def damaged_copies(good: bytes, postgresql: bool) -> dict[str, tuple[bytes, str]]:
    """Ways a backup gets damaged on its way (a full disk, a cut copy, a wrong file), each with the words of
    the reason the restore gives."""
    flipped = bytearray(good)
    flipped[-520:-8] = bytes(byte ^ 0xFF for byte in flipped[-520:-8])  # in the compressed data at the end
    copies = {
        "cut in half": (good[: len(good) // 2], "end of file" if postgresql else "damaged"),
        "empty": (b"", "too short" if postgresql else "no alembic_version"),
        "bytes changed": (bytes(flipped), "pg_restore failed" if postgresql else "damaged"),
        "not a backup": (b"bukan cadangan\n" * 200, "not appear to be a valid archive" if postgresql else "damaged"),
    }
    if postgresql:
        copies["a plain SQL dump"] = (
            b"--\n-- PostgreSQL database dump\n--\n\n" + b"SET lock_timeout = 0;\n" * 50,
            "text format",
        )
    else:
        copies["not a database inside"] = (gzip.compress(b"bukan basis data " * 500), "not a database")
    return copies


def test_a_damaged_backup_is_refused_with_the_reason_and_changes_nothing(desk, tmp_path):
    migrate(desk, "head")
    rows = rows_0014()
    insert(desk, {"region": rows["region"], "user": rows["user"][1:3], "reporter": rows["reporter"][:1]})
    good = backup_of(desk, tmp_path / "good")
    postgresql = good.name.endswith(".dump")
    insert(desk, {"reporter": rows["reporter"][1:2]})  # written after the backup: must survive every refusal
    before = snapshot(desk)
    for number, (kind, (content, reason)) in enumerate(damaged_copies(good.read_bytes(), postgresql).items()):
        bad = tmp_path / "bad" / good.name.replace("T", f"T{number}", 1)
        bad.parent.mkdir(exist_ok=True)
        bad.write_bytes(content)
        result = flask(desk, "restore", str(bad), "--force")
        assert result.exit_code == 1, (kind, result.output)
        assert reason in result.output and "nothing was changed" in result.output, (kind, result.output)
        assert snapshot(desk) == before, kind


def test_a_restore_failing_half_way_changes_nothing(desk, tmp_path):
    """The restore empties the schema, then fails on the dump's own statements: the one transaction rolls back."""
    if not desk.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite's backup API copies every page in one transaction or none")
    migrate(desk, "head")
    rows = rows_0014()
    insert(desk, {"region": rows["region"], "user": rows["user"][1:3]})
    execute(desk, "CREATE SCHEMA elsewhere")  # in the dump, and still there when the restore creates it
    good = backup_of(desk, tmp_path / "good")
    insert(desk, {"reporter": rows["reporter"][:1]})
    before = snapshot(desk)
    result = flask(desk, "restore", str(good), "--force")
    assert result.exit_code == 1
    assert 'schema "elsewhere" already exists' in result.output and "nothing was changed" in result.output
    assert snapshot(desk) == before and revision(desk) == head(desk)
