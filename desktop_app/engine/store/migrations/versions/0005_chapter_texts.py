"""chapter texts in their own table

A chapter's row is updated when it is claimed and again when its result is written, and SQLite writes
a whole row for every update: with the text in the row (kilobytes, often tens of them) each update
rewrote it. The text is written once, at the upload, so it moves to ``chapter_texts``, one row a
chapter, deleted with it.

``ALTER TABLE … DROP COLUMN`` (SQLite 3.35 and later, PostgreSQL) drops the column in place: a batch
table copy would drop and recreate ``chapters``, and with foreign keys on, dropping it would delete
the texts just copied.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chapter_texts",
        sa.Column("chapter_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["chapter_id"],
            ["chapters.id"],
            name=op.f("fk_chapter_texts_chapter_id_chapters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chapter_id", name=op.f("pk_chapter_texts")),
    )
    op.execute("INSERT INTO chapter_texts (chapter_id, text) SELECT id, text FROM chapters")
    op.drop_column("chapters", "text")


def downgrade() -> None:
    op.add_column("chapters", sa.Column("text", sa.Text(), server_default="", nullable=False))
    op.execute(
        "UPDATE chapters SET text = COALESCE((SELECT t.text FROM chapter_texts t WHERE t.chapter_id = chapters.id), '')"
    )
    op.drop_table("chapter_texts")
