"""A table model over rows that each have a string key, kept in a stable order.

:class:`KeyedTableModel` holds what the documents list and the chapters table share: the Qt model
interface (row and column counts, headers, flags), a key → row index, and the only code that inserts,
moves, replaces and removes rows, each with the matching ``begin…``/``end…`` calls. Subclasses say how
a row is keyed, how rows are ordered (``sort_key``) and what a cell shows (``cell``); nothing outside
the model writes its rows.

Rows keep a stable order: a row goes where its ``sort_key`` puts it, whether it arrives first as a
placeholder, in a batch from the database or from an event, so a restart or a settings change never
reorders the list, and the selection (held by Qt as persistent indexes) follows its row. GUI thread only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ModelIndex = QModelIndex | QPersistentModelIndex
R = TypeVar("R")

#: The key (document or chapter id) of a row.
IdRole = Qt.ItemDataRole.UserRole + 2
#: The engine's status word of a row (for colouring; the display text is translated).
StatusRole = Qt.ItemDataRole.UserRole + 3
#: The roles a whole-row change is announced with.
ROW_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole, StatusRole]


class KeyedTableModel(QAbstractTableModel, Generic[R]):
    """Rows of type ``R``, each found by its key, ordered by ``sort_key``. GUI thread only."""

    COLUMNS: ClassVar[tuple[str, ...]] = ()
    COLUMN_TIPS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[R] = []
        self._row_of: dict[str, int] = {}

    # --- what subclasses say

    def key(self, row: R) -> str:
        raise NotImplementedError

    def sort_key(self, row: R) -> Any:
        """Where a row goes; rows with equal sort keys keep their arrival order."""
        raise NotImplementedError

    def cell(self, row: R, column: int, role: int) -> Any:
        """What ``data`` answers for ``row`` at ``column`` in ``role`` (None for nothing)."""
        raise NotImplementedError

    def column_flags(self, column: int) -> Qt.ItemFlag:
        return Qt.ItemFlag.NoItemFlags

    # --- Qt model interface

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section < len(self.COLUMN_TIPS):
            return self.COLUMN_TIPS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        return base | self.column_flags(index.column())

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)

    # --- reading

    def at(self, position: int) -> R:
        """The row at ``position``."""
        return self._rows[position]

    def row_of(self, key: str) -> int:
        """The row position of ``key``, or -1."""
        return self._row_of.get(key, -1)

    def get(self, key: str) -> R | None:
        position = self._row_of.get(key)
        return None if position is None else self._rows[position]

    def ids(self) -> list[str]:
        return [self.key(r) for r in self._rows]

    def __iter__(self) -> Iterator[R]:
        # No __len__: a QObject that is falsy when empty would surprise every "parent or …" in Qt code.
        return iter(list(self._rows))

    # --- changing

    def insert(self, rows: Iterable[R]) -> None:
        """Insert new rows where their sort key puts them; a run of neighbours is one insert."""
        new = sorted((r for r in rows if self.key(r) not in self._row_of), key=self.sort_key)
        if not new:
            return
        keys = [self.sort_key(r) for r in self._rows]
        if not keys or self.sort_key(new[0]) >= keys[-1]:
            # The common case (chapters in reading order, a first load): one insert at the end.
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._rows.extend(new)
            self._reindex(first)
            self.endInsertRows()
            return
        for row in new:
            key = self.sort_key(row)
            position = bisect_right(keys, key)
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, row)
            keys.insert(position, key)
            self._reindex(position)
            self.endInsertRows()

    def replace(self, row: R) -> None:
        """Put ``row`` in place of the row with its key (moving it if its sort key moved), or insert it."""
        position = self._row_of.get(self.key(row))
        if position is None:
            self.insert([row])
            return
        self._rows[position] = row
        target = position if self._in_order(position) else self._target_of(position)
        if target != position:
            self._move(position, target)
            position = target
        self.changed(position)

    def update(self, key: str, change: Callable[[R], None], first_col: int = 0, last_col: int = -1) -> R | None:
        """Apply ``change`` to the row of ``key`` in place and announce the changed columns."""
        position = self._row_of.get(key)
        if position is None:
            return None
        row = self._rows[position]
        change(row)
        self.changed(position, first_col, last_col)
        return row

    def remove(self, key: str) -> None:
        position = self._row_of.get(key)
        if position is None:
            return
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        del self._row_of[key]
        self._reindex(position)
        self.endRemoveRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows, self._row_of = [], {}
        self.endResetModel()

    def changed(
        self,
        first_row: int,
        first_col: int = 0,
        last_col: int = -1,
        last_row: int | None = None,
        roles: list[int] | None = None,
    ) -> None:
        """Announce that cells changed (``last_col`` -1: through the last column)."""
        last_col = len(self.COLUMNS) - 1 if last_col < 0 else last_col
        last_row = first_row if last_row is None else last_row
        self.dataChanged.emit(self.index(first_row, first_col), self.index(last_row, last_col), roles or ROW_ROLES)

    # --- internals

    def _reindex(self, start: int) -> None:
        for position in range(start, len(self._rows)):
            self._row_of[self.key(self._rows[position])] = position

    def _in_order(self, position: int) -> bool:
        # The usual case, checked against the two neighbours only: a reload of 2,000 chapters stays linear.
        key = self.sort_key(self._rows[position])
        after_previous = position == 0 or self.sort_key(self._rows[position - 1]) <= key
        before_next = position == len(self._rows) - 1 or key <= self.sort_key(self._rows[position + 1])
        return after_previous and before_next

    def _target_of(self, position: int) -> int:
        row = self._rows[position]
        others = [self.sort_key(r) for i, r in enumerate(self._rows) if i != position]
        return bisect_right(others, self.sort_key(row))

    def _move(self, source: int, target: int) -> None:
        # Qt's destination is a position in the list before the move: one past the target when moving down.
        destination = target + 1 if target > source else target
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), destination)
        self._rows.insert(target, self._rows.pop(source))
        self._reindex(min(source, target))
        self.endMoveRows()


__all__ = ["ROW_ROLES", "IdRole", "KeyedTableModel", "ModelIndex", "StatusRole"]
