"""the claimed chapters in a partial index of their own, in place of the index of open chapters

``(status, document_id)`` over the open chapters (``pending``, ``processing``) changed twice at a claim,
its key's status being the one claimed: a delete and an insert. The pending chapters have had their own
partial index since 0009, so the claimed chapters now have theirs, ``(document_id, claimed_by, status)``:
a claim inserts the chapter, its result deletes it. Both partial indexes carry the status, the same in
every entry, as their last column: SQLite checks a partial index's condition on the index's columns, so
without it counting the pending chapters read each one's row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Written out here: a migration keeps the schema of its own day, whatever the models become.
PENDING_CONDITION = "status = 'pending'"
PROCESSING_CONDITION = "status = 'processing'"
OPEN_CONDITION = "status IN ('pending', 'processing')"


def _partial(name: str, columns: list[str], condition: str) -> None:
    op.create_index(name, "chapters", columns, sqlite_where=sa.text(condition), postgresql_where=sa.text(condition))


def upgrade() -> None:
    op.drop_index("ix_chapters_pending", table_name="chapters")
    _partial("ix_chapters_pending", ["document_id", "index", "status"], PENDING_CONDITION)
    _partial("ix_chapters_processing", ["document_id", "claimed_by", "status"], PROCESSING_CONDITION)
    op.drop_index("ix_chapters_open", table_name="chapters")


def downgrade() -> None:
    _partial("ix_chapters_open", ["status", "document_id"], OPEN_CONDITION)
    op.drop_index("ix_chapters_processing", table_name="chapters")
    op.drop_index("ix_chapters_pending", table_name="chapters")
    _partial("ix_chapters_pending", ["document_id", "index"], PENDING_CONDITION)
