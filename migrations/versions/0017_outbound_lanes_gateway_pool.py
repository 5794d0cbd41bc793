"""outbound lanes and a pool of gateway phones

Each queued message gets its lane (``priority``: 0 the reply to the person who just wrote, 1 notices to people on
duty and gateway tests, 2 early warnings to residents, 3 information broadcasts and public posts), which the worker
claims by first; existing rows get the lane their purpose and broadcast give them. Each receiving number gets a
send rate (``send_per_minute``; none: the server's default) and the moment its next send slot opens.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa

from webapp.operations.downgrades import refuse_if_lost


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="3"))
    op.execute("UPDATE outbound_message SET priority = 0 WHERE purpose = 'reply'")
    op.execute("UPDATE outbound_message SET priority = 1 WHERE purpose IN ('notify', 'test')")
    op.execute(
        "UPDATE outbound_message SET priority = 2 WHERE purpose = 'broadcast' AND broadcast_id IN "
        "(SELECT id FROM broadcast WHERE kind = 'peringatan')"
    )
    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.alter_column("priority", server_default=None, existing_type=sa.SmallInteger(), existing_nullable=False)
        batch_op.create_index(
            "ix_outbound_message_lane", ["status", "gateway", "priority", "next_attempt_at"], unique=False
        )
        batch_op.create_check_constraint(op.f("ck_outbound_message_priority"), "priority BETWEEN 0 AND 3")

    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_per_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("next_send_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_receiving_number_send_per_minute"), "send_per_minute IS NULL OR send_per_minute BETWEEN 1 AND 6000"
        )


def downgrade():
    # A lane is derived again from the purpose; a send rate someone set for a phone would be lost.
    refuse_if_lost(
        revision,
        down_revision,
        {
            "send rates set for gateway phones": "SELECT count(*) FROM receiving_number WHERE send_per_minute IS NOT NULL",
        },
    )
    with op.batch_alter_table("receiving_number", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_receiving_number_send_per_minute"), type_="check")
        batch_op.drop_column("next_send_at")
        batch_op.drop_column("send_per_minute")

    with op.batch_alter_table("outbound_message", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outbound_message_priority"), type_="check")
        batch_op.drop_index("ix_outbound_message_lane")
        batch_op.drop_column("priority")
