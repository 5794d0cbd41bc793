"""Backups restored, not just taken: a populated database backed up, restored into a fresh one, every table
compared; a restore over data refused unless forced; old backups pruned."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, select, text

from conftest import scratch_database
from webapp.audit import record
from webapp.extensions import db
from webapp.messaging.outbound import enqueue
from webapp.models import OutboundMessage
from webapp.operations.backup import BackupError, backup, backups, holds_data, restore
from webapp.setup.service import add_number

WINONGAN = "35.14.19"


@pytest.fixture
def populated(ctx, make_user, make_incident):
    """A desk in use: accounts, incidents with reports and a photo, a gateway with its key, the outbox, audit."""
    staff = make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    make_user("desa_official", WINONGAN, desa="Gading")
    incident = make_incident(WINONGAN, "Gading", reports=("+6281200000001", "+6281200000002"), luka=2)
    incident.reports[0].photo, incident.reports[0].details = b"\x89PNG" + bytes(range(256)), {"needs": ["evakuasi"]}
    add_number(staff, "android", "dev-winongan", WINONGAN, label="HP gateway Winongan", phone="081299998888")
    enqueue(key="uji-1", to="+6281200000001", body="Tim menuju lokasi", purpose="reply", kecamatan_code=WINONGAN)
    record(staff, "gateway_test", "android dev-winongan", WINONGAN, token="ABCD2345")
    db.session.commit()
    return db.engine.url.render_as_string(hide_password=False)


def rows_of(url: str) -> dict[str, list]:
    """Every row of every table (alembic_version included), in primary-key order."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = {}
            for name in sorted(inspect(connection).get_table_names()):
                table = db.metadata.tables.get(name)
                if table is None:
                    tables[name] = sorted(connection.execute(text(f"SELECT * FROM {name}")).all())
                else:
                    order = list(table.primary_key.columns) or list(table.columns)
                    tables[name] = [tuple(r) for r in connection.execute(select(table).order_by(*order))]
            return tables
    finally:
        engine.dispose()


def test_a_backup_restores_into_a_fresh_database_with_every_row(populated, tmp_path):
    before = rows_of(populated)
    assert before["report"] and before["audit_entry"] and before["outbound_message"] and before["receiving_number"]
    path = backup(populated, tmp_path / "backups")
    with scratch_database(populated, tmp_path) as fresh:
        assert not holds_data(fresh)
        restore(fresh, path)
        after = rows_of(fresh)
    assert after == before
    assert after["alembic_version"] == before["alembic_version"] != []


def test_a_restore_over_data_is_refused_unless_forced(populated, tmp_path, runner, app, monkeypatch):
    path = backup(populated, tmp_path)
    enqueue(key="later", to="+6281200000009", body="Setelah cadangan", purpose="reply", kecamatan_code=WINONGAN)
    db.session.commit()
    with pytest.raises(BackupError, match="already holds data"):
        restore(populated, path)
    assert db.session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == "later"))
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1 and "already holds data" in result.output and "nothing was changed" in result.output
    result = runner.invoke(args=["restore", str(path), "--force"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.scalar(select(OutboundMessage.id).where(OutboundMessage.key == "later")) is None
    restored = [r for r in rows_of(populated)["audit_entry"] if "database_restored" in r]
    assert len(restored) == 1 and path.name in restored[0]  # written into the restored database


def test_old_backups_are_pruned_and_a_wrong_file_is_refused(populated, tmp_path, runner, app, monkeypatch):
    for day in (1, 2, 3):
        backup(populated, tmp_path, keep=2, now=datetime(2026, 11, day, 2, 0, tzinfo=UTC))
    assert [p.name[:17] for p in backups(tmp_path)] == ["tangguh-20261102T", "tangguh-20261103T"]
    stray = tmp_path / "catatan.txt"
    stray.write_text("bukan cadangan")
    with pytest.raises(BackupError, match="is not a"):
        restore(populated, stray, force=True)
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "cli"))
    result = runner.invoke(args=["backup", "--keep", "3"])
    assert result.exit_code == 0 and "backup: " in result.output
    assert len(backups(tmp_path / "cli")) == 1
