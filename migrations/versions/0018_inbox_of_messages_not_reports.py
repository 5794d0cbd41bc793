"""an inbox of messages that are not reports

A message that is not a report (a greeting, a thank-you, a question; issue 35) is stored as a report with the
command "pesan" and no incident, and waits in the kecamatan's "Pesan masuk" until staff mark it handled or turn
it into an incident: ``handled_at`` and ``handled_by_id`` say when and who. An index serves the inbox's list and
its count on the incident list.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa

from webapp.operations.downgrades import refuse_if_lost


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_report_handled_by_id_user"), "user", ["handled_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index("ix_report_inbox", ["kecamatan_code", "command", "handled_at"], unique=False)


def downgrade():
    # The older schema has no inbox: which messages staff handled, and when, would be lost.
    refuse_if_lost(
        revision,
        down_revision,
        {"messages marked handled in the inbox": "SELECT count(*) FROM report WHERE handled_at IS NOT NULL"},
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_inbox")
        batch_op.drop_constraint(batch_op.f("fk_report_handled_by_id_user"), type_="foreignkey")
        batch_op.drop_column("handled_by_id")
        batch_op.drop_column("handled_at")
