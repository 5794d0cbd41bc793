"""indexes the incident list and the API read through

The list's default order ("paling mendesak") is a sort over expressions; an index on exactly those expressions,
alone (admins, kabupaten staff) and after the kecamatan (its staff), lets a page read its 25 incidents in order
instead of sorting the whole history. The newest-first order (the API, "terbaru") reads through the kecamatan and
the first report's time. What is new since the last visit reads the reports and the actions after that moment,
and the admin's count of messages waiting in the inbox reads only the unhandled ones.

The expressions must stay exactly those of ``incidents.service.urgency`` (constants written in, not bound), or
the databases will not match them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

URGENCY = (
    "(CASE WHEN status IN ('baru', 'diverifikasi', 'ditangani') THEN 0 ELSE 1 END)",
    "(coalesce(meninggal, 0) + coalesce(hilang, 0)) DESC",
    "(coalesce(luka, 0)) DESC",
    "(CASE WHEN coalesce(mengungsi_kk, 0) > coalesce(mengungsi, 0) THEN coalesce(mengungsi_kk, 0)"
    " ELSE coalesce(mengungsi, 0) END) DESC",
    "(CASE WHEN coalesce(terdampak_kk, 0) > coalesce(terdampak, 0) THEN coalesce(terdampak_kk, 0)"
    " ELSE coalesce(terdampak, 0) END) DESC",
    "(coalesce(severity, 0)) DESC",
    "opened_at",
    "id",
)


def upgrade():
    op.create_index("ix_incident_urgency", "incident", [sa.text(e) for e in URGENCY])
    op.create_index("ix_incident_kecamatan_urgency", "incident", ["kecamatan_code", *(sa.text(e) for e in URGENCY)])
    op.create_index("ix_incident_kecamatan_opened", "incident", ["kecamatan_code", "opened_at", "id"])
    op.create_index("ix_incident_last_report_at", "incident", ["last_report_at"])
    op.create_index("ix_incident_event_at", "incident_event", ["at"])
    op.create_index("ix_report_command_handled", "report", ["command", "handled_at"])


def downgrade():
    op.drop_index("ix_report_command_handled", table_name="report")
    op.drop_index("ix_incident_event_at", table_name="incident_event")
    op.drop_index("ix_incident_last_report_at", table_name="incident")
    op.drop_index("ix_incident_kecamatan_opened", table_name="incident")
    op.drop_index("ix_incident_kecamatan_urgency", table_name="incident")
    op.drop_index("ix_incident_urgency", table_name="incident")
