"""a partial index for each status a chapter waits in, in place of the two keyed by status

``(document_id, status, index)`` over every chapter (the claims' order, the counts by status) and
``(status, document_id)`` over the open chapters (the backlog, the claims across documents) had the status
in their key, so a chapter summarized changed them seven times: a delete and an insert in the first at
its claim and at its result, a delete and an insert in the second at its claim and a delete at its result.
Each status a chapter waits in now has a partial index that the chapter enters and leaves once:

- ``ix_chapters_pending``, ``(document_id, index, status)``: the backlog and the claims' order;
- ``ix_chapters_processing``, ``(document_id, claimed_by, status)``: the claims, by instance and document;
- ``ix_chapters_ended``, ``(document_id, status)``: the failed and cancelled chapters, a few rows.

Counts by status read these and the total from ``(document_id, index)``; the done chapters, which enter
no index, are the rest. The status, the same in every entry of the first two, is a column so that SQLite,
which checks a partial index's condition on the index's columns, reads them alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Written out here: a migration keeps the schema of its own day, whatever the models become.
PENDING_CONDITION = "status = 'pending'"
PROCESSING_CONDITION = "status = 'processing'"
ENDED_CONDITION = "status IN ('cancelled', 'failed')"
OPEN_CONDITION = "status IN ('pending', 'processing')"


def _partial(name: str, columns: list[str], condition: str) -> None:
    op.create_index(name, "chapters", columns, sqlite_where=sa.text(condition), postgresql_where=sa.text(condition))


def upgrade() -> None:
    _partial("ix_chapters_pending", ["document_id", "index", "status"], PENDING_CONDITION)
    _partial("ix_chapters_processing", ["document_id", "claimed_by", "status"], PROCESSING_CONDITION)
    _partial("ix_chapters_ended", ["document_id", "status"], ENDED_CONDITION)
    op.drop_index("ix_chapters_open", table_name="chapters")
    op.drop_index("ix_chapters_document_status_index", table_name="chapters")


def downgrade() -> None:
    op.create_index("ix_chapters_document_status_index", "chapters", ["document_id", "status", "index"])
    _partial("ix_chapters_open", ["status", "document_id"], OPEN_CONDITION)
    op.drop_index("ix_chapters_ended", table_name="chapters")
    op.drop_index("ix_chapters_processing", table_name="chapters")
    op.drop_index("ix_chapters_pending", table_name="chapters")
