"""The pipeline panel: queue gauges, workers, time per chapter over time, commit time, throughput, cache.

It is fed by the bridge: ``update_gauges`` a few times a second (queue depths and workers, read from
memory), ``update_stats`` about once a second (the engine's full ``PipelineStats``). Every update only
sets values on existing widgets; the chart keeps the last ``history_s`` seconds.

Each gauge is named for what it measures: the time a chapter's summary takes (whatever the backend, the
built-in summarizer included), not an "LLM latency". The chart's axis is in milliseconds or seconds,
whichever the values need, and grows in 1-2-5 steps. When nothing is queued or in flight the throughput
reads "idle" instead of a number decaying to zero. :meth:`PipelinePanel.reset` starts cards and chart
afresh when the window starts a new engine (settings applied).
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from desktop_app.ui.i18n import plural, translate

LATENCY_SERIES = (("p50", "#3d74d9"), ("p95", "#e5a50a"), ("p99", "#c01c28"))
CHART_TITLE = translate("PipelinePanel", "Time per chapter: median / p95 / p99")


class GaugeCard(QFrame):
    """A caption, a big value and an optional bar."""

    def __init__(self, caption: str, *, bar: bool = False, levels: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(caption)
        self.levels = levels  # colour the bar amber/red as it fills (queues), or not (busy workers)
        self.setObjectName("gaugeCard")
        self.caption = QLabel(caption)
        self.caption.setObjectName("gaugeCaption")
        self.value = QLabel("–")
        self.value.setObjectName("gaugeValue")
        self.detail = QLabel("")
        self.detail.setObjectName("gaugeCaption")
        self.bar: QProgressBar | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        if bar:
            self.bar = QProgressBar()
            self.bar.setTextVisible(False)
            self.bar.setMaximumHeight(8)
            layout.addWidget(self.bar)
        layout.addWidget(self.detail)
        self._last: tuple[Any, ...] = ()

    def set(self, value: str, detail: str = "", fill: tuple[int, int] | None = None) -> None:
        state = (value, detail, fill)
        if state == self._last:
            return  # no repaint when nothing changed
        self._last = state
        self.value.setText(value)
        self.detail.setText(detail)
        self.setAccessibleDescription(f"{value}. {detail}" if detail else value)
        if self.bar is not None and fill is not None:
            current, maximum = fill
            # QProgressBar.setValue repaints at once (a synchronous, style-sheeted paint: about 4 ms a call
            # during a burst); with updates off it only marks the bar dirty for the window's next repaint.
            self.bar.setUpdatesEnabled(False)
            self.bar.setMaximum(max(1, maximum))
            self.bar.setValue(min(current, max(1, maximum)))
            self.bar.setUpdatesEnabled(True)
            ratio = current / maximum if maximum else 0.0
            level = "ok" if not self.levels else "full" if ratio >= 0.95 else "warn" if ratio >= 0.7 else "ok"
            if self.bar.property("level") != level:
                self.bar.setProperty("level", level)
                self.bar.style().unpolish(self.bar)
                self.bar.style().polish(self.bar)


class PipelinePanel(QWidget):
    """Live gauges of the engine's pipeline, with a latency chart."""

    def __init__(self, parent: QWidget | None = None, *, history_s: float = 300.0) -> None:
        super().__init__(parent)
        self.history_s = history_s
        self.summary_queue = GaugeCard(translate("PipelinePanel", "Summary queue"), bar=True)
        self.write_queue = GaugeCard(translate("PipelinePanel", "Write queue"), bar=True)
        self.workers = GaugeCard(translate("PipelinePanel", "Workers busy / running"), bar=True, levels=False)
        self.commit = GaugeCard(translate("PipelinePanel", "Database commit per batch"))
        self.throughput = GaugeCard(translate("PipelinePanel", "Chapters per minute"))
        self.cache = GaugeCard(translate("PipelinePanel", "Cache hit rate"))
        self.latency = GaugeCard(translate("PipelinePanel", "Time per chapter"))
        self.backlog = GaugeCard(translate("PipelinePanel", "Backlog"))
        grid = QGridLayout()
        grid.setSpacing(6)
        cards = (
            self.summary_queue,
            self.write_queue,
            self.workers,
            self.backlog,
            self.latency,
            self.commit,
            self.throughput,
            self.cache,
        )
        for i, card in enumerate(cards):
            grid.addWidget(card, i // 4, i % 4)
        for col in range(4):
            grid.setColumnStretch(col, 1)

        pg.setConfigOptions(antialias=False)  # antialiased lines cost several ms a repaint
        self.chart = pg.PlotWidget()
        self.chart.setObjectName("latencyChart")
        self.chart.setMinimumHeight(120)
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.setLabel("left", "ms")
        self.chart.setLabel("bottom", translate("PipelinePanel", "seconds ago"))
        self.chart.setTitle(CHART_TITLE)
        self.chart.setAccessibleName(CHART_TITLE)
        self.chart.setAccessibleDescription(
            translate(
                "PipelinePanel",
                "How long each chapter's summary took over the last minutes: median, 95th and 99th percentile.",
            )
        )
        self.chart.showGrid(x=True, y=True, alpha=0.2)
        self.chart.disableAutoRange()  # ranges move in steps (below): re-laying out axes costs a repaint
        self._ranges = (0.0, 0.0)
        self.unit = "ms"  # the y axis: "ms", or "s" once the values reach seconds
        self._set_ranges(60.0, 1000.0)
        self.legend = self.chart.addLegend(offset=(8, 4), colCount=3)
        self.curves = {
            name: self.chart.plot([], [], pen=pg.mkPen(color, width=2), name=name) for name, color in LATENCY_SERIES
        }
        self._history: deque[tuple[float, float | None, float | None, float | None]] = deque()
        self.apply_palette(self.palette())

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(grid, 3)
        layout.addWidget(self.chart, 2)
        self.stats: dict[str, Any] = {}
        self.gauges: dict[str, Any] = {}
        self.updates = 0
        self.backend = ""

    def set_backend(self, name: str) -> None:
        """The summarizer whose times the panel shows (named in the time card's detail)."""
        self.backend = name

    def reset(self) -> None:
        """Forget every value and the chart's history: a new engine starts from nothing."""
        for card in (
            self.summary_queue,
            self.write_queue,
            self.workers,
            self.commit,
            self.throughput,
            self.cache,
            self.latency,
            self.backlog,
        ):
            card.set("–")
        self._history.clear()
        for curve in self.curves.values():
            curve.setData([], [])
        self.stats, self.gauges = {}, {}
        self._set_ranges(60.0, 1000.0)

    def apply_palette(self, palette: QPalette) -> None:
        """Give the chart the palette's colours (pyqtgraph does not follow Qt palettes by itself)."""
        self.chart.setBackground(palette.color(QPalette.ColorRole.Base))
        fg = palette.color(QPalette.ColorRole.Text)
        for axis in ("left", "bottom"):
            item = self.chart.getAxis(axis)
            item.setPen(pg.mkPen(QColor(fg).darker(130) if fg.lightness() > 128 else QColor(fg).lighter(150)))
            item.setTextPen(pg.mkPen(fg))
        self.chart.setTitle(CHART_TITLE, color=fg.name(), size="9pt")
        self.legend.setLabelTextColor(fg)

    # --- feeding

    def update_gauges(self, gauges: dict[str, Any]) -> None:
        """Queue depths and workers (a few times a second)."""
        self.gauges = gauges
        sq, sq_max = int(gauges.get("summary_queue_size", 0)), int(gauges.get("summary_queue_maxsize", 200))
        wq, wq_max = int(gauges.get("write_queue_size", 0)), int(gauges.get("write_queue_maxsize", 500))
        self.summary_queue.set(
            f"{sq} / {sq_max}", translate("PipelinePanel", "chapters waiting for a worker"), (sq, sq_max)
        )
        self.write_queue.set(
            f"{wq} / {wq_max}", translate("PipelinePanel", "results waiting for the database"), (wq, wq_max)
        )
        busy, current = int(gauges.get("workers_busy", 0)), int(gauges.get("workers", 0))
        limit = int(self.stats.get("workers_max", gauges.get("workers_max", 16)))
        low = int(self.stats.get("workers_min", 3))
        running = gauges.get("running", True)
        learned = gauges.get("concurrency_limit")
        detail = translate("PipelinePanel", "pool %1–%2").replace("%1", str(low)).replace("%2", str(limit))
        if learned:
            detail += translate("PipelinePanel", ", server takes %1 at once").replace("%1", str(learned))
        self.workers.set(
            f"{busy} / {current}",
            detail if running else translate("PipelinePanel", "pipeline stopped"),
            (busy, max(1, current)),
        )
        self.updates += 1

    def update_stats(self, status: dict[str, Any]) -> None:
        """The engine's full gauges (about once a second): latency, commit time, throughput, cache."""
        self.stats = status
        self.update_gauges(
            {
                **self.gauges,
                **{
                    k: status[k]
                    for k in (
                        "summary_queue_size",
                        "summary_queue_maxsize",
                        "write_queue_size",
                        "write_queue_maxsize",
                        "workers",
                        "workers_busy",
                    )
                    if k in status
                },
            }
        )
        latency = status.get("llm_latency_ms") or {}
        p50, p95, p99 = latency.get("p50"), latency.get("p95"), latency.get("p99")
        self.latency.set(
            translate("PipelinePanel", "%1 median").replace("%1", _ms(p50)) if p50 is not None else "–",
            translate("PipelinePanel", "p95 %1 · p99 %2").replace("%1", _ms(p95)).replace("%2", _ms(p99))
            + (f" · {self.backend}" if self.backend else ""),
        )
        commit = status.get("batch_commit_ms") or {}
        self.commit.set(
            translate("PipelinePanel", "%1 median").replace("%1", _ms(commit.get("p50")))
            if commit.get("p50") is not None
            else "–",
            translate("PipelinePanel", "p99 %1 · last %2")
            .replace("%1", _ms(commit.get("p99")))
            .replace("%2", _ms(commit.get("last"))),
        )
        rate = status.get("throughput_per_minute")
        done = status.get("chapters_done")
        done_text = (
            plural(translate("PipelinePanel", "%n chapter(s) done this run", "", done), done)
            if isinstance(done, int)
            else ""
        )
        if self.idle(status):
            self.throughput.set(translate("PipelinePanel", "idle"), done_text)
        else:
            self.throughput.set(f"{rate:,.0f}/min" if isinstance(rate, int | float) else "–", done_text)
        cache = (status.get("summarizer") or {}).get("cache")
        if cache:
            hits, misses = int(cache.get("hits", 0)), int(cache.get("misses", 0))
            self.cache.set(
                f"{100.0 * cache.get('hit_rate', 0.0):.0f} %",
                plural(translate("PipelinePanel", "%n hit(s)", "", hits), hits)
                + " · "
                + plural(translate("PipelinePanel", "%n miss(es)", "", misses), misses),
            )
        else:
            self.cache.set(translate("PipelinePanel", "off"), translate("PipelinePanel", "cache disabled"))
        backlog = status.get("backlog")
        self.backlog.set(
            f"{backlog:,}" if isinstance(backlog, int) else "–",
            translate("PipelinePanel", "chapters waiting in the database"),
        )
        self.add_latency_point(time.monotonic(), p50, p95, p99)

    @staticmethod
    def idle(status: dict[str, Any]) -> bool:
        """Nothing queued, in flight or waiting in the database: there is no rate to show."""
        busy = int(status.get("workers_busy", 0) or 0)
        queued = int(status.get("summary_queue_size", 0) or 0) + int(status.get("write_queue_size", 0) or 0)
        backlog = status.get("backlog")
        return busy == 0 and queued == 0 and (not isinstance(backlog, int) or backlog == 0)

    def add_latency_point(self, t: float, p50: float | None, p95: float | None, p99: float | None) -> None:
        self._history.append((t, p50, p95, p99))
        while self._history and t - self._history[0][0] > self.history_s:
            self._history.popleft()
        xs = [p[0] - t for p in self._history]
        top = max((float(v) for p in self._history for v in p[1:] if v is not None), default=0.0)
        # Seconds once the values reach them: "150,000 ms" is not a scale anyone reads.
        unit, scale = ("s", 1000.0) if top >= 2000.0 else ("ms", 1.0)
        if unit != self.unit:
            self.unit = unit
            self.chart.setLabel("left", unit)
            self._ranges = (0.0, 0.0)
        for column, (name, _color) in enumerate(LATENCY_SERIES, start=1):
            points = [(x, v / scale) for x, p in zip(xs, self._history, strict=True) if (v := p[column]) is not None]
            self.curves[name].setData([x for x, _ in points], [y for _, y in points], skipFiniteCheck=True)
        span = next((s for s in (60.0, 120.0, 180.0, 300.0, 600.0) if s >= -(xs[0] if xs else 0.0)), self.history_s)
        self._set_ranges(min(span, self.history_s), _nice_ceiling(top * 1.1 / scale, 10.0 if unit == "ms" else 1.0))

    def y_range(self) -> tuple[float, float]:
        """The chart's y axis (in :attr:`unit`)."""
        return (0.0, self._ranges[1])

    def _set_ranges(self, span: float, top: float) -> None:
        if (span, top) != self._ranges:
            self._ranges = (span, top)
            self.chart.setXRange(-span, 0, padding=0)
            self.chart.setYRange(0, top, padding=0)

    def history(self) -> list[tuple[float, float | None, float | None, float | None]]:
        return list(self._history)


def _nice_ceiling(value: float, floor: float = 10.0) -> float:
    """The next of 1, 2, 5 × 10^n at or above ``value`` (at least ``floor``), so the axis rarely moves."""
    step = floor
    while True:
        for factor in (1.0, 2.0, 5.0):
            if step * factor >= value:
                return step * factor
        step *= 10.0


def _ms(value: Any) -> str:
    if not isinstance(value, int | float):
        return "–"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.1f} s"


__all__ = ["GaugeCard", "PipelinePanel"]
