"""A bounded queue whose one consumer (or producer) can move many items under one lock.

The pipeline's queues carry one item a chapter. The DB writer takes a batch of them at a time and the
feeder puts a claim's worth at a time; with :class:`queue.Queue` each item is one round of the queue's
lock and conditions. :meth:`BatchQueue.get_many` and :meth:`BatchQueue.put_many` move many in one round,
and wake the other side once. Everything else is :class:`queue.Queue`'s, unchanged.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class BatchQueue(queue.Queue[T]):
    def get_many(self, most: int, timeout: float | None = None, *, last: Callable[[T], bool] | None = None) -> list[T]:
        """Up to ``most`` items: those queued now, or, if none, the first to come within ``timeout`` seconds.

        Raises :class:`queue.Empty` when nothing came. ``last``: an item for which it is true ends the list
        (a poison pill: what follows it stays queued).
        """
        with self.not_empty:
            if not self._qsize():
                if timeout is None:
                    while not self._qsize():
                        self.not_empty.wait()
                else:
                    end = time.monotonic() + max(0.0, timeout)
                    while not self._qsize():
                        left = end - time.monotonic()
                        if left <= 0.0:
                            raise queue.Empty
                        self.not_empty.wait(left)
            items: list[T] = []
            while self._qsize() and len(items) < most:
                item = self._get()
                items.append(item)
                if last is not None and last(item):
                    break
            self.not_full.notify(len(items))
            return items

    def put_many(self, items: Iterable[T]) -> None:
        """Put every item, in order, waiting for room as :meth:`put` does; the consumers are woken once a round."""
        pending = list(items)
        while pending:
            with self.not_full:
                if self.maxsize > 0:
                    while self._qsize() >= self.maxsize:
                        self.not_full.wait()
                    room = self.maxsize - self._qsize()
                else:
                    room = len(pending)
                now, pending = pending[:room], pending[room:]
                for item in now:
                    self._put(item)
                self.unfinished_tasks += len(now)
                self.not_empty.notify(len(now))
