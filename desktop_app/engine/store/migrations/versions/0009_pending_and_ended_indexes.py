"""a document's pending chapters and its failed or cancelled ones in partial indexes of their own

``(document_id, status, index)`` over every chapter served two things: a document's next pending chapters
in order (the claims) and its counts by status (progress). Being over every chapter, it was updated twice
for each chapter summarized (claimed, then finished), a delete and an insert each time. The claims now
walk a partial index of the pending chapters, ``(document_id, index)``, which a claimed chapter leaves and
a finished one never enters; the counts come from the index of open chapters, a partial index of the
failed or cancelled ones (few), and the total from ``(document_id, index)``: the done are what is left.
A chapter that ends well now costs the indexes one delete (it leaves the open chapters) instead of three
changes.

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
ENDED_CONDITION = "status IN ('cancelled', 'failed')"


def upgrade() -> None:
    op.create_index(
        "ix_chapters_pending",
        "chapters",
        ["document_id", "index"],
        sqlite_where=sa.text(PENDING_CONDITION),
        postgresql_where=sa.text(PENDING_CONDITION),
    )
    op.create_index(
        "ix_chapters_ended",
        "chapters",
        ["document_id", "status"],
        sqlite_where=sa.text(ENDED_CONDITION),
        postgresql_where=sa.text(ENDED_CONDITION),
    )
    op.drop_index("ix_chapters_document_status_index", table_name="chapters")


def downgrade() -> None:
    op.create_index("ix_chapters_document_status_index", "chapters", ["document_id", "status", "index"])
    op.drop_index("ix_chapters_ended", table_name="chapters")
    op.drop_index("ix_chapters_pending", table_name="chapters")
