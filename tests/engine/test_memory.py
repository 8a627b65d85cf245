"""Settling the process's start-up objects out of the cyclic garbage collector (``engine.memory``)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from desktop_app.engine.memory import settle_memory


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the other tests run with the collector as it was


def test_start_up_objects_are_frozen_once_their_garbage_is_collected(thawed: None) -> None:
    kept = _Node()
    dropped = _Node()
    gone = weakref.ref(dropped)
    del dropped
    assert gc.get_freeze_count() == 0
    settle_memory()
    assert gone() is None, "garbage left by start-up is collected, not frozen for the process's life"
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(kept)
    # A full collection now leaves out what start-up made: the objects it walks are only those made since.
    walked_before = len(gc.get_objects())
    assert walked_before < gc.get_freeze_count()
