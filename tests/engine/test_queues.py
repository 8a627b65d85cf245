"""The pipeline's bounded queue: many items moved under one lock, with :class:`queue.Queue`'s guarantees kept."""

from __future__ import annotations

import queue
import threading

import pytest

from desktop_app.engine.pipeline.queues import BatchQueue

WAIT_S = 10.0  # a bound on waits that never come to it when the code is right


def _until_waiting(q: BatchQueue[int], *, putting: bool) -> None:
    """Return once a thread waits on the queue (to put when ``putting``, else to get)."""
    condition = q.not_full if putting else q.not_empty
    for _ in range(10_000):
        with q.mutex:
            if condition._waiters:  # type: ignore[attr-defined]
                return
        threading.Event().wait(0.001)
    raise AssertionError("no thread came to wait on the queue")


def test_get_many_takes_what_is_queued_up_to_the_most_in_order() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    for i in range(7):
        q.put(i)
    assert q.get_many(5, timeout=0) == [0, 1, 2, 3, 4]
    assert q.get_many(5, timeout=0) == [5, 6]
    assert q.empty()


def test_get_many_on_an_empty_queue_raises_empty_when_the_timeout_passes() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    with pytest.raises(queue.Empty):
        q.get_many(5, timeout=0)
    with pytest.raises(queue.Empty):
        q.get_many(5, timeout=0.01)


def test_get_many_waits_for_the_first_item_and_returns_with_it() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    got: list[list[int]] = []
    taker = threading.Thread(target=lambda: got.append(q.get_many(5, timeout=WAIT_S)))
    taker.start()
    _until_waiting(q, putting=False)
    q.put(42)
    taker.join(WAIT_S)
    assert got == [[42]]


def test_get_many_without_a_timeout_waits_as_long_as_it_takes() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    got: list[list[int]] = []
    taker = threading.Thread(target=lambda: got.append(q.get_many(5)), daemon=True)
    taker.start()
    _until_waiting(q, putting=False)
    q.put_many([1, 2])
    taker.join(WAIT_S)
    assert got == [[1, 2]]


def test_get_many_ends_at_the_last_item_and_leaves_what_follows_it_queued() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    q.put_many([1, 2, -1, 3, 4])
    assert q.get_many(10, timeout=0, last=lambda i: i < 0) == [1, 2, -1]
    assert q.get_many(10, timeout=0) == [3, 4]


def test_get_many_frees_room_for_every_waiting_producer() -> None:
    q: BatchQueue[int] = BatchQueue(3)
    q.put_many([0, 1, 2])
    producers = [threading.Thread(target=q.put, args=(10 + i,), kwargs={"timeout": WAIT_S}) for i in range(3)]
    for producer in producers:
        producer.start()
    _until_waiting(q, putting=True)
    assert q.get_many(3, timeout=0) == [0, 1, 2]
    for producer in producers:
        producer.join(WAIT_S)
        assert not producer.is_alive()
    assert sorted(q.get_many(3, timeout=0)) == [10, 11, 12]


def test_put_many_puts_in_order_and_wakes_every_waiting_consumer() -> None:
    q: BatchQueue[int] = BatchQueue(10)
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        item = q.get(timeout=WAIT_S)
        with lock:
            got.append(item)

    consumers = [threading.Thread(target=take) for _ in range(3)]
    for consumer in consumers:
        consumer.start()
    _until_waiting(q, putting=False)
    q.put_many([1, 2, 3, 4])
    for consumer in consumers:
        consumer.join(WAIT_S)
        assert not consumer.is_alive()
    assert sorted(got) == [1, 2, 3]
    assert q.get_many(10, timeout=0) == [4]


def test_put_many_waits_for_room_and_loses_nothing() -> None:
    q: BatchQueue[int] = BatchQueue(2)
    producer = threading.Thread(target=q.put_many, args=(range(7),))
    producer.start()
    got: list[int] = []
    while len(got) < 7:
        got.extend(q.get_many(3, timeout=WAIT_S))
        assert q.qsize() <= 2
    producer.join(WAIT_S)
    assert got == list(range(7))


def test_task_accounting_counts_the_items_put_many_put() -> None:
    q: BatchQueue[int] = BatchQueue()
    q.put_many([1, 2, 3])
    for _ in q.get_many(3, timeout=0):
        q.task_done()
    q.join()  # returns: every item put was marked done
    with pytest.raises(ValueError):
        q.task_done()
