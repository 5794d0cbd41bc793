"""event kinds named as the actions that make them

One concept, one name in code: the timeline's event kinds were Indonesian words ("instansi", "keparahan",
"dipisah") while the actions and abilities that write them are "agency", "severity", "split". Rename the
stored kinds; no column changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

RENAMED = {
    "dibuka": "opened",
    "laporan": "report",
    "instansi": "agency",
    "keparahan": "severity",
    "jumlah": "counts",
    "catatan": "note",
    "sms_keluar": "sms",
    "digabung": "merge",
    "menggabung": "merge_in",
    "dipisah": "split",
    "pisahan": "split_from",
    "nomor_dibuka": "reveal",
}


def _rename(pairs):
    event = sa.table("incident_event", sa.column("kind", sa.String))
    for old, new in pairs:
        op.execute(event.update().where(event.c.kind == old).values(kind=new))


def upgrade():
    _rename(RENAMED.items())


def downgrade():
    _rename((new, old) for old, new in RENAMED.items())
