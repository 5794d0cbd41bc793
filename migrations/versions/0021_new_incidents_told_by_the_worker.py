"""new incidents told to the desk by the worker

A report that opens an incident no longer tells the desk (push, the on-duty phone, else the Pusdalops) inside the
webhook's transaction: the incident is marked ``desk_untold`` and the worker tells it in its next round (issue 30:
a new report in a few statements). A partial index holds the few incidents waiting.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa

from webapp.operations.downgrades import refuse_if_lost


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE on both databases (SQLite adds and, since 3.35, drops a column in place): a batch copy would
    # reflect the table, whose expression indexes (0020) SQLAlchemy cannot reflect.
    op.add_column("incident", sa.Column("desk_untold", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(
        "ix_incident_desk_untold",
        "incident",
        ["id"],
        unique=False,
        sqlite_where=sa.text("desk_untold"),
        postgresql_where=sa.text("desk_untold"),
    )


def downgrade():
    # The older code tells the desk inside the webhook: an incident still waiting for the worker would never be told.
    refuse_if_lost(
        revision,
        down_revision,
        {"new incidents the desk has not been told about yet": "SELECT count(*) FROM incident WHERE desk_untold"},
    )
    op.drop_index("ix_incident_desk_untold", table_name="incident")
    op.drop_column("incident", "desk_untold")
