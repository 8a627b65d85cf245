"""an index of the open chapters only, and one of the fallback summaries

``(status, document_id)`` over every chapter was updated twice for each chapter summarized (claimed,
then finished) and held every finished chapter, while the queries that need it look only for chapters
still to be summarized: the backlog's size, an instance's claims, the claims of dead instances. It is
now a partial index of the open chapters (``pending``, ``processing``): a chapter that ends leaves it.
The redo of fallback summaries, which looked for finished chapters through it, has its own small
partial index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Written out here: a migration keeps the schema of its own day, whatever the models become.
OPEN_CONDITION = "status IN ('pending', 'processing')"
FALLBACK_CONDITION = "fallback_reason IS NOT NULL"


def upgrade() -> None:
    op.drop_index("ix_chapters_status_document", table_name="chapters")
    op.create_index(
        "ix_chapters_open",
        "chapters",
        ["status", "document_id"],
        sqlite_where=sa.text(OPEN_CONDITION),
        postgresql_where=sa.text(OPEN_CONDITION),
    )
    op.create_index(
        "ix_chapters_fallback",
        "chapters",
        ["finished_at"],
        sqlite_where=sa.text(FALLBACK_CONDITION),
        postgresql_where=sa.text(FALLBACK_CONDITION),
    )


def downgrade() -> None:
    op.drop_index("ix_chapters_fallback", table_name="chapters")
    op.drop_index("ix_chapters_open", table_name="chapters")
    op.create_index("ix_chapters_status_document", "chapters", ["status", "document_id"])
