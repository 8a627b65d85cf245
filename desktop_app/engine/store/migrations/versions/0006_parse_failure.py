"""why a document's file could not be read

An upload answers before its file is parsed, so a parse that fails can no longer raise its exception to
the caller: the document keeps the kind of failure (``error_kind``: no text, password, too large,
damaged, timeout, ...) and, for a file without a text layer, whether OCR could read it
(``ocr_available``), for the window, the API and the command line to act on.

Plain ``ALTER TABLE`` (no batch table copy): recreating ``documents`` with foreign keys on would
delete every chapter through its ``ON DELETE CASCADE``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("error_kind", sa.String(length=32), nullable=True))
    op.add_column(
        "documents", sa.Column("ocr_available", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("documents", "ocr_available")
    op.drop_column("documents", "error_kind")
