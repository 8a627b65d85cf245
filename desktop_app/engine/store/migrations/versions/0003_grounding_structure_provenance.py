"""grounded summaries, chapter structure and provenance

Chapters: the summary's sentences with their source spans, who summarized it when it was a fallback,
why the clause step failed, the chapter's sections and page starts. Documents: the whole-document
summary's sentences, the backend and model a document was started with, its page count.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sentences", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fallback_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("clause_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("page_starts", sa.JSON(), nullable=True))
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary_sentences", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("backend", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("model", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("page_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        for name in ("page_count", "model", "backend", "summary_sentences"):
            batch_op.drop_column(name)
    with op.batch_alter_table("chapters", schema=None) as batch_op:
        for name in ("page_starts", "sections", "clause_error", "fallback_reason", "sentences"):
            batch_op.drop_column(name)
