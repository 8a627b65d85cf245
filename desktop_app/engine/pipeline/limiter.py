"""A latency-aware concurrency limit per LLM endpoint (gradient style, after Netflix's concurrency-limits).

The machine's cores say nothing about how many requests a server runs at once: a local server often runs
one, a GPU server eight or more, and requests past that only wait in the server's queue. So each endpoint
gets a :class:`GradientLimiter` that learns it from the answers:

- it learns the *unloaded* latency: the 10th percentile of the last 200 answers stands for it. The first
  round goes out at once, four requests (slow start's first window, below), and its best answer is the
  first estimate: a server serves its requests in order, so one of the four found a slot free, and the
  slots of a bigger server are not left idle while one request is timed alone;
- where each request's work is known (the time llama.cpp's timings or Ollama's durations report, or else
  the stream's time after its first token), an answer is judged slow or not, and the unloaded latency
  learned, from its wait plus the median work of the recent requests: chapters of different lengths take
  different times without queueing, and their spread alone passed for a queue. The window's mean stays
  as measured: a server whose work slows as more requests share it must show that;
- an answer slower than 1.8× that waited in the server's queue; the share of such answers times the limit
  is, by Little's law, how many requests were queued rather than served (and where waits are partial, the
  window's mean against the best recent window mean says the same: ``limit × (1 − best / mean)``, which
  counts from 1.5 requests, because a busy client's own delays raise the mean too);
- while the limit is in use and nothing queues, it grows: doubling at first (slow start, so a big server
  is found in a few rounds; it begins at four permits, its smallest window, so that window is one
  round), then one at a time. In slow start a request whose life saw the requests out
  reach the limit counts as at the limit (a doubling's permits go out one by one as the last round's
  answers come back); afterwards only one sent at the limit does;
- a step of one must pay: the window after it must bring at least half of the extra answers a second
  that one more permit promises (Little's law: requests out ÷ mean latency), or, where the client's own
  time in each request leaves the slots idle for moments, fill those gaps: a few per cent more answers
  for a rise in latency at most about seven times that (a permit past the slots of a server with three or
  more; on one or two slots the same permit lengthens every wait by half or more, and is refused). Such a
  step is judged by what it brings even where it queued about one request, since that is what a permit
  past the slots does; once it paid, about one queued request at that limit (or above it) no longer
  lowers it, and a drop from above it stops there. Only one such permit is kept: above it, a step must
  find a slot. A step that brought neither only queued, whatever the client's own delays did to the
  means; it is taken back, and the second time a limit brings nothing (or queues about one request) it
  becomes a ceiling;
- when requests queue, the limit drops by that many whole requests (1.7 counted: one; a drop one too
  far idles a slot until it is won back, one too short only queues a request until the next window);
  out of slow start's overshoot, never below the limit before its last doubling, which held,
  and the limit that hurt becomes a ceiling that is probed again only after ``probe_after_s`` (after
  about one queued request: the second time it does);
- a drop must not cost: if the window after it lost at least half of the answers a second the permits
  given up would have brought were they all serving, and its slow answers show no request queued, they
  were, and the rise in latency was the client's own; the limit goes back, without a ceiling, and the base
  the means are judged against is learned again (where requests still queue after the drop, the permits
  given up were queued too, whatever a short or noisy window's answers a second say);
- a 429 or 503 answer cuts the limit by a quarter at once.

Where the slots are known (``#parallel=N`` on the URL, or what the server says it runs), the limit starts
there and only 429/503 lower it: a server that runs eight requests at once does not queue the eighth, so a
slower answer is the client's own delay (a busy machine) or a longer prompt, and lowering would only idle
a slot.

:class:`ConcurrencyController` holds one limiter per endpoint, sums them into the pool's limit and gates
the requests (:meth:`ConcurrencyController.acquire`). Thread-safe: workers record samples and take
permits on their own threads; one lock guards everything, and each call holds it for microseconds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

#: Latencies below this are noise (cache hits, an instant backend): they never move a limit.
MIN_SIGNAL_MS = 2.0


#: Slow start decides on at least this many answers (about one round at its limit), so one noisy answer of
#: a small window cannot double it. An endpoint whose slots are not known starts at this many permits (begun
#: below, its first window took two rounds while the slots idled), and its first window's best answer is the
#: first estimate of the unloaded latency.
SLOW_START_WINDOW = 4

#: A window that saw at least this many requests queued makes the limit that hurt a ceiling for a while.
#: About one queued request is also what a loaded client's own delays look like: it takes the limit down
#: one, and the limit becomes a ceiling only if it queues one again, so a single noisy window cannot pin
#: a big server's limit below its slots.
STRONG_QUEUE = 1.5

#: A step of one that does not bring half the answers a second one more permit promises is still kept when
#: it brings at least MIN_GAIN more, and at least LATENCY_PRICE times the rise in latency it costs. Where the
#: client spends part of each permit on its own work (sending, reading the stream), the slots idle meanwhile
#: and one permit past them fills those gaps: about 3–5 % more answers for about 10 % more latency on eight
#: slots and 20 % on four, while the same permit adds about 90 % to every answer's time on one slot and
#: 40 % on two for those few per cent, and is refused there. Below MIN_GAIN a gain is the noise of a busy
#: machine, not a slot filled.
MIN_GAIN = 0.02
LATENCY_PRICE = 0.15


@dataclass(frozen=True, slots=True)
class LimitDecision:
    """One change of an endpoint's limit, with the reason logged and shown in the pipeline status."""

    endpoint: str
    old: int
    new: int
    reason: str


class GradientLimiter:
    """The concurrency limit of one endpoint. Not thread-safe alone: :class:`ConcurrencyController` locks."""

    def __init__(
        self,
        endpoint: str,
        *,
        initial: int,
        min_limit: int = 1,
        max_limit: int = 16,
        slow_factor: float = 1.8,
        probe_after_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        lower_on_latency: bool = True,
    ) -> None:
        self.endpoint = endpoint
        #: False where the server's slots are known: a slower answer is then the client's own delay or a
        #: slower prompt, not a queue at the server, and only 429/503 lower the limit.
        self.lower_on_latency = lower_on_latency
        self.min_limit = max(1, min_limit)
        self.max_limit = max(self.min_limit, max_limit)
        self.limit = max(self.min_limit, min(self.max_limit, initial))
        self.slow_factor = slow_factor
        self.probe_after_s = probe_after_s
        self._clock = clock
        self._slow_start = True
        self._held = self.min_limit  # the highest limit slow start saw served without a queue
        self._ceiling: int | None = None
        self._suspect: int | None = None  # the last limit that queued about one request or bought nothing
        self._past: int | None = None  # a limit one past the slots whose step paid for its queued request
        self._ceiling_until = 0.0
        self._samples: list[float] = []
        self._raw: list[float] = []  # the window's latencies as measured
        self._saturated = 0
        self._occupied = 0  # the requests out as the window's answers started, summed
        self._by_slow = 0.0  # the last window's queued requests, counted from its slow answers
        self._step: tuple[int, float, float] | None = None  # (the limit before a step of one, its throughput, mean)
        self._drop: tuple[int, float, float] | None = None  # (the limit before a drop, its throughput, its mean)
        self._skip = 0  # answers to requests sent under the previous limit: they describe it, not this one
        self._recent: deque[float] = deque(maxlen=200)
        self._work: deque[float] = deque(maxlen=200)  # the recent requests' work, where known (see sample)
        self._window_means: deque[float] = deque(maxlen=20)
        self.unloaded_ms: float | None = None
        self.last_ms: float | None = None

    def _typical(self) -> float:
        """The median work of the recent requests (0 where none was known)."""
        work = self._work
        return sorted(work)[len(work) // 2] if work else 0.0

    def _window_size(self) -> int:
        # Slow start decides after about one round; afterwards three rounds, so one noisy answer cannot
        # pass for a queued request.
        return max(SLOW_START_WINDOW, self.limit) if self._slow_start else max(8, 3 * self.limit)

    def sample(
        self, latency_ms: float, in_flight: int, work_ms: float | None = None, *, filled: bool = False
    ) -> LimitDecision | None:
        """Record one answered request; ``in_flight`` is how many were out when it started.

        ``filled``: the requests out reached the limit at some moment of this one's life. In slow start such a
        request counts as sent at the limit: after a doubling, the new permits go out one by one as the old
        limit's answers come back, and counted only as each was sent, the first round at the new limit never
        looked full, so every doubling waited one round more than it needed.

        Where the request's work is known (``work_ms``: the time the server reports, or else the stream's
        time after its first token), whether it was slow, and the unloaded latency, are judged on its wait
        and transfer plus the *typical* work of the recent requests (their median, taken when a window is
        judged, so every answer of it is judged alike): a long chapter's answer takes longer without having
        queued, and judged as it came, the requests' own spread passed for a queue (an 8-slot server whose
        requests took 100–600 ms was held at one request). What is kept is the latency less the work
        (``_recent``, ``_samples``); :meth:`_typical` is added back where they are read. The window's mean
        (``last_ms``: throughput, the means' queue estimate) is the latencies as measured (``_raw``): with
        the work replaced by a lagging median, a server slowed by the requests it shares went unseen, and a
        4-slot server was held at 7.
        """
        if latency_ms < MIN_SIGNAL_MS:
            return None
        raw = latency_ms
        if work_ms is not None and work_ms >= 0:
            self._work.append(work_ms)
            latency_ms = max(0.0, latency_ms - work_ms)
        else:
            latency_ms -= self._typical()  # not known this time: as if its work were the typical
        self._recent.append(latency_ms)
        if self._skip:
            self._skip -= 1
            return None
        self._samples.append(latency_ms)
        self._raw.append(raw)
        self._occupied += min(in_flight, self.limit)
        if in_flight >= self.limit or (filled and self._slow_start):
            self._saturated += 1
        if len(self._samples) < self._window_size():
            return None
        typical = self._typical()
        samples, saturated = [v + typical for v in self._samples], self._saturated * 2 >= len(self._samples)
        occupied = self._occupied / len(samples)
        mean = sum(self._raw) / len(self._raw)
        self._samples, self._raw, self._saturated, self._occupied = [], [], 0, 0
        return self._judge(samples, saturated, occupied, mean)

    def _judge(self, samples: list[float], saturated: bool, occupied: float, mean: float) -> LimitDecision | None:
        """Decide on one full window of answers at the current limit (``mean``: their latency as measured)."""
        queued, by_mean = self._queued(samples, mean)
        throughput = occupied / self.last_ms if self.last_ms else 0.0
        step, self._step = self._step, None
        drop, self._drop = self._drop, None
        old = self.limit
        if self._past is not None and old >= self._past and queued < STRONG_QUEUE:
            # The permit past the slots queues about one request by design (it fills the slots' gaps): at
            # that limit and above, about one queued request is no reason to lower it; more still is.
            queued = max(0.0, queued - 1.0)
        # A drop is judged by what it cost only where the lower limit queues nothing its slow answers show: a
        # request still waiting a whole service time there says the permits given up were waiting too, and a
        # noisy throughput (a busy machine, a short window) must not give them back.
        if drop is not None and saturated and self.lower_on_latency and self._by_slow < 1.0:
            undone = self._judge_drop(drop, old, throughput)
            if undone is not None:
                return undone
        if step is not None and queued < STRONG_QUEUE and saturated and self.lower_on_latency:
            kept, decision = self._judge_step(step, old, throughput)
            if not kept or queued >= 1.0:
                return decision
        if queued >= 1.0:
            return self._lower(old, queued, by_mean, throughput)
        # After slow start, each step is judged by the answers a second it brings (above), so only a mean
        # that would lower the limit holds a step back: a base the client's delays have left behind does not.
        if saturated and queued < 0.5 and by_mean < (0.5 if self._slow_start else STRONG_QUEUE):
            new = min(self.max_limit, old + (old if self._slow_start else 1))
            if self._ceiling is not None and self._clock() < self._ceiling_until:
                new = min(new, self._ceiling - 1)
            if new > old:
                if self._slow_start:
                    self._held = old
                else:
                    self._step = (old, throughput, self.last_ms or 0.0)
                return self._change(old, new, f"latency holds at {self.last_ms:.0f} ms")
        return None

    def _judge_drop(self, drop: tuple[int, float, float], old: int, throughput: float) -> LimitDecision | None:
        """A drop must not cost: the decision that gives permits back where those given up were serving."""
        before, paid, mean_before = drop
        if not throughput or throughput >= paid * (1.0 - 0.5 * (before - old) / before):
            return None
        # Permits given up were serving: as many were serving at ``before`` as ``old`` permits bring that many
        # more answers a second. All of them: the latency that rose was the client's own (a busy machine), and
        # the base the means are judged against is learned again from here.
        serving = min(before, max(old + 1, round(old * paid / throughput)))
        if serving == before:
            self._window_means.clear()
            self._window_means.append(mean_before)
            self._suspect = None
            if self._ceiling == before:
                self._ceiling = None
        return self._change(old, serving, f"fewer answers a second at {old} than at {before}")

    def _judge_step(
        self, step: tuple[int, float, float], old: int, throughput: float
    ) -> tuple[bool, LimitDecision | None]:
        """A step of one, judged by what it brings: (kept, the decision that took it back otherwise).

        Also where it queued about one request: that is what a permit past the slots does, and whether it
        pays is the answers a second, not the queue.
        """
        before, paid, mean_before = step
        gain = throughput / paid - 1.0 if paid else 0.0
        rise = (self.last_ms or 0.0) / mean_before - 1.0 if mean_before else 0.0
        a_slot = gain >= 0.5 * (old - before) / before
        # One permit past the slots, not more: above it, only a slot found is worth a step.
        fills_gaps = self._past is None and gain >= MIN_GAIN and gain >= LATENCY_PRICE * rise
        if not a_slot and not fills_gaps:
            self._suspected(old)
            return False, self._change(old, before, f"no more answers a second at {old} than at {before}")
        # A permit past the slots: its one queued request is not held against it again. A slot found
        # instead: the permit past the slots is found again above it.
        self._past = None if a_slot else old
        return True, None

    def _lower(self, old: int, queued: float, by_mean: float, throughput: float) -> LimitDecision | None:
        """Requests queued at ``old``: drop by that many whole requests."""
        if self._slow_start:
            # Slow start's overshoot: the limit before the last doubling held without a queue, so the slots
            # are at least that many and at most the rest queued. Twice the slots queues every request, and
            # the slow answers alone counted 11 of 12 queued on six slots: a drop to one.
            queued = min(queued, float(old - self._held))
        self._slow_start = False
        # The mean alone cannot tell a queue from the client's own delays: it sets a ceiling only for a
        # clear queue (slow start's overshoot), or the second time this limit seemed to queue.
        self._suspected(old, clear=self._by_slow >= STRONG_QUEUE or by_mean >= 2 * STRONG_QUEUE)
        new = max(self.min_limit, old - max(1, math.floor(queued)))
        if self._past is not None and old > self._past:
            new = max(new, self._past)  # what queues above the permit past the slots is the steps above it
        elif self._past is not None and new < self._past:
            self._past = None  # the server runs fewer than it did: the permit past its slots is found again
        self._drop = (old, throughput, self.last_ms or 0.0)
        unloaded = self.unloaded_ms or 0.0
        return self._change(old, new, f"{queued:.1f} requests queued at the server, unloaded {unloaded:.0f} ms")

    def _suspected(self, limit: int, *, clear: bool = False) -> None:
        """``limit`` queued requests or brought nothing: a ceiling if clearly so, or the second time."""
        if clear or self._suspect == limit:
            self._set_ceiling(limit)
        self._suspect = limit

    def _queued(self, samples: list[float], mean: float) -> tuple[float, float]:
        """(requests queued at the server as this window shows them, the mean's estimate alone)."""
        self.last_ms = mean
        typical = self._typical()
        recent = sorted(v + typical for v in self._recent)
        self.unloaded_ms = unloaded = recent[len(recent) // 10]
        # A request that waited in the server's queue took about a whole service time more; client-side
        # overhead (a busy machine) adds far less. So the share of slow answers times the limit estimates
        # how many requests were queued, by Little's law, and the noise of a loaded client does not count.
        slow = sum(1 for v in samples if v > self.slow_factor * unloaded)
        # Requests that waited only part of a service time (the server's slots free at different moments)
        # show in the window's mean instead: against the best recent window mean, Little's law again.
        self._window_means.append(self.last_ms)
        base = min(self._window_means)
        by_mean = (1.0 - base / self.last_ms) * self.limit
        # A busy client's own delays (another program, a collection of the interpreter's garbage) raise the
        # mean as a partial queue would, by a share of every request: the mean alone lowers the limit only
        # from STRONG_QUEUE requests (a limit two past the slots), and below that it only stops slow start.
        self._by_slow = slow / len(samples) * self.limit
        queued = max(self._by_slow, by_mean if by_mean >= STRONG_QUEUE else 0.0)
        if not self.lower_on_latency:
            queued = by_mean = self._by_slow = 0.0
        return queued, by_mean

    def overloaded(self) -> LimitDecision | None:
        """The server answered 429 or 503: back off at once."""
        old = self.limit
        self._slow_start = False
        self._past = None
        self._set_ceiling(old)
        self._samples, self._raw, self._saturated, self._occupied, self._step, self._drop = [], [], 0, 0, None, None
        new = max(self.min_limit, min(old - 1, math.floor(old * 0.75)))
        return self._change(old, new, "LLM server overloaded")

    def _set_ceiling(self, limit: int) -> None:
        self._ceiling = limit
        self._ceiling_until = self._clock() + self.probe_after_s

    def _change(self, old: int, new: int, reason: str) -> LimitDecision | None:
        if new == old:
            return None
        self.limit = new
        # The requests still out were sent under the old limit (the answer that decided is not among them):
        # their answers describe it, not the new one.
        self._skip = old - 1
        return LimitDecision(self.endpoint, old, new, reason)


class ConcurrencyController:
    """The limits of a backend's endpoints, and the gate that holds requests to their sum. See the module."""

    def __init__(
        self,
        endpoints: list[str],
        *,
        initial: int,
        max_total: int,
        known_slots: int | None = None,
        probe_after_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[LimitDecision, int], None] | None = None,
    ) -> None:
        names = endpoints or ["default"]
        # Slots not known: slow start's first window, at once (see SLOW_START_WINDOW).
        share = max(SLOW_START_WINDOW, initial // len(names))
        cap = max(1, known_slots // len(names)) if known_slots else max_total
        self.max_total = max_total
        self.limiters = {
            name: GradientLimiter(
                name,
                initial=min(cap, known_slots // len(names) if known_slots else share),
                max_limit=min(cap, max_total),
                probe_after_s=probe_after_s,
                clock=clock,
                lower_on_latency=not known_slots,
            )
            for name in names
        }
        self.on_change = on_change
        self._cond = threading.Condition()
        self._in_flight = 0
        self._fills = 0  # how many times a permit taken brought the requests out up to the limit
        self._fills_at: dict[int, int] = {}  # each thread's request out: ``_fills`` as its permit was taken
        self.decisions: deque[LimitDecision] = deque(maxlen=50)

    @property
    def limit(self) -> int:
        """The sum of the endpoints' limits, within ``max_total``: how many requests may be out at once."""
        return min(self.max_total, sum(lim.limit for lim in self.limiters.values()))

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def acquire(self, stop: Callable[[], bool] = lambda: False) -> int | None:
        """Wait for a permit; returns the requests out before this one, or None if ``stop()`` said so."""
        with self._cond:
            while self._in_flight >= self.limit:
                if stop():
                    return None
                self._cond.wait(0.5)
            before = self._in_flight
            self._fills_at[threading.get_ident()] = self._fills
            self._in_flight += 1
            if self._in_flight >= self.limit:
                self._fills += 1
            return before

    def release(self) -> None:
        with self._cond:
            self._fills_at.pop(threading.get_ident(), None)
            self._in_flight -= 1
            self._cond.notify()

    def record(
        self,
        endpoint: str | None,
        latency_ms: float,
        in_flight: int,
        work_ms: float | None = None,
        *,
        filled: bool | None = None,
    ) -> None:
        """An answer came back from ``endpoint`` after ``latency_ms``, with ``in_flight`` requests out.

        ``work_ms``: the server's work on the request, where known; ``filled``: whether the requests out
        reached the limit while it was out (see :meth:`GradientLimiter.sample`), by default known for a
        request whose permit the calling thread took with :meth:`acquire`.
        """
        with self._cond:
            if filled is None:
                taken_at = self._fills_at.get(threading.get_ident())
                filled = taken_at is not None and self._fills > taken_at
            limiter = self._limiter(endpoint)
            share = max(1, math.ceil(in_flight / len(self.limiters)))  # routing spreads requests evenly
            self._apply(limiter.sample(latency_ms, share, work_ms, filled=filled))

    def overloaded(self, endpoint: str | None = None) -> None:
        """A 429/503 answer; without the endpoint, every endpoint backs off."""
        with self._cond:
            targets = [self._limiter(endpoint)] if endpoint in self.limiters else list(self.limiters.values())
            for limiter in targets:
                self._apply(limiter.overloaded())

    def _limiter(self, endpoint: str | None) -> GradientLimiter:
        if endpoint in self.limiters:
            return self.limiters[endpoint]
        return next(iter(self.limiters.values()))

    def _apply(self, decision: LimitDecision | None) -> None:
        if decision is None:
            return
        self.decisions.append(decision)
        self._cond.notify_all()
        log.info(
            "Concurrency limit of %s: %d → %d (%s)", decision.endpoint, decision.old, decision.new, decision.reason
        )
        if self.on_change is not None:
            self.on_change(decision, self.limit)

    def snapshot(self) -> dict[str, int]:
        """Each endpoint's current limit (for the pipeline status)."""
        with self._cond:
            return {name: lim.limit for name, lim in self.limiters.items()}
