"""What every downgrade migration shares: refusing before it changes anything when the older schema cannot hold
the data. Going back is a restore of the backup ``flask upgrade`` took (``upgrade``), not a downgrade."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


class DowngradeRefused(RuntimeError):
    """The older schema cannot hold some of the data; ``flask db downgrade`` prints this and exits 1."""


def refuse_if_lost(revision: str, down_revision: str | None, checks: dict[str, str]) -> None:
    """Stop the downgrade from ``revision`` before it changes anything when one of ``checks`` (what would be
    lost: a query counting it) counts rows. The message gives counts only: what would be lost may be personal."""
    bind = op.get_bind()
    lost = [f"{what}: {n}" for what, query in checks.items() if (n := bind.execute(sa.text(query)).scalar())]
    if lost:
        raise DowngradeRefused(
            f"downgrade {revision} -> {down_revision or 'base'} refused before changing anything: the older schema "
            f"cannot hold {'; '.join(lost)}. Restore the backup taken before the upgrade instead "
            "(flask restore <backup> --force), then run the code you ran before."
        )
