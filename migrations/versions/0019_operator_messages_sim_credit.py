"""operator messages and the SIM's credit

What the mobile operator sends a gateway SIM (short codes and alphanumeric senders: balances, the end of the
active period, promos) is kept against that phone, exactly once per gateway message id, never as a report. A
balance notice gives the phone its credit, its last active day and whether it is in its grace period, and the
moment its staff were told the credit runs out.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa

from webapp.operations.downgrades import refuse_if_lost


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "operator_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gateway", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("receiving_number_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("credit_rupiah", sa.Integer(), nullable=True),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["receiving_number_id"],
            ["receiving_number.id"],
            name=op.f("fk_operator_message_receiving_number_id_receiving_number"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_message")),
        sa.UniqueConstraint("gateway", "external_id", name="uq_operator_message_gateway_external_id"),
    )
    with op.batch_alter_table("operator_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_message_receiving_number_id"), ["receiving_number_id"])

    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_rupiah", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("active_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("in_grace", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("credit_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("credit_low_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.alter_column("in_grace", server_default=None, existing_type=sa.Boolean(), existing_nullable=False)


def downgrade():
    refuse_if_lost(
        revision,
        down_revision,
        {"messages from operators to gateway SIMs": "SELECT count(*) FROM operator_message"},
    )
    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.drop_column("credit_low_since")
        batch_op.drop_column("credit_at")
        batch_op.drop_column("in_grace")
        batch_op.drop_column("active_until")
        batch_op.drop_column("credit_rupiah")
    with op.batch_alter_table("operator_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_message_receiving_number_id"))
    op.drop_table("operator_message")
