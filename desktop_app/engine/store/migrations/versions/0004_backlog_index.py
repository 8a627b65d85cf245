"""an index that serves a document's backlog and its progress

``(document_id, status, index)`` lets a claim take a document's next pending chapters in order by
walking the index (no sort of the whole backlog a claim), and lets the progress counts of a document
be read from the index alone instead of from its chapter rows, which carry their whole text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_chapters_document_status_index", "chapters", ["document_id", "status", "index"])


def downgrade() -> None:
    op.drop_index("ix_chapters_document_status_index", table_name="chapters")
