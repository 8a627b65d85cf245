"""what part of the book a chapter is: main text, front or back matter, or a publisher's notice

The parsers know a contents page, a preface or a title page ("front"), an index or a bibliography
("back") and a publisher's licence ("notice") from the main text ("body"); the chapter keeps it, so that
the whole-document summary leaves out back matter and notices (a book's licence or index was quoted in
it, given a share of the summary by its words like any chapter). Chapters saved before this revision are
main text.

Plain ``ALTER TABLE`` (no batch table copy), as in 0006.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chapters", sa.Column("kind", sa.String(length=8), server_default="body", nullable=False))


def downgrade() -> None:
    op.drop_column("chapters", "kind")
