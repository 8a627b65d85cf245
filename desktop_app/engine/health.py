"""Backend health: does each configured LLM endpoint answer, how fast, and is its model there?

The :class:`HealthMonitor` probes every endpoint (Ollama's ``/api/tags``, OpenAI's ``/v1/models``) every few
seconds on its own loop (started through the spawn hook) and publishes :class:`BackendHealth` whenever a
state or reason changes, so the window can show an indicator per endpoint and a banner that says what to
check, instead of chapters failing silently. The built-in extractive backend is always up.

:func:`probe` runs one check on any settings (the settings dialog's "test connection" uses it).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .events import BackendHealth, EndpointHealth, EventBus
from .reports import EndpointStats
from .summarize.base import (
    BackendTimeoutError,
    BackendUnavailableError,
    BadRequestError,
    ServerLoadingError,
    Summarizer,
    SummarizerError,
)

if TYPE_CHECKING:
    from desktop_app.config import Settings

log = logging.getLogger(__name__)

#: An endpoint slower than this to list its models is shown as slow.
SLOW_MS = 1500.0


def probe(settings: Settings, *, timeout: float = 5.0) -> list[EndpointHealth]:
    """Check every endpoint of ``settings``' backend once (blocks up to ``timeout`` per endpoint)."""
    if settings.backend == "extractive":
        return [EndpointHealth("built-in", "up", "The built-in summarizer runs on this computer.", 0.0)]
    if settings.backend == "local":
        return [_probe_local(settings)]
    from .summarize.registry import make_llm

    quick = settings.model_copy(update={"request_timeout": timeout})
    llm = make_llm(quick)
    server = "Ollama" if settings.backend == "ollama" else "OpenAI-compatible"
    results = []
    try:
        for endpoint in llm.pool.endpoints:
            started = time.perf_counter()
            try:
                models = llm.protocol.list_models(endpoint.client, endpoint=endpoint.url)
            except ServerLoadingError:
                results.append(
                    EndpointHealth(endpoint.url, "loading", f"{endpoint.url} is loading its model; requests wait.")
                )
                continue
            except BackendTimeoutError:
                results.append(
                    EndpointHealth(endpoint.url, "down", f"{endpoint.url} did not answer within {timeout:g} s.")
                )
                continue
            except BackendUnavailableError:
                results.append(
                    EndpointHealth(
                        endpoint.url,
                        "down",
                        f"Nothing answers at {endpoint.url}. Is the {server} server running, and is the URL right "
                        "(Settings ▸ Endpoints)?",
                    )
                )
                continue
            except BadRequestError as err:
                results.append(EndpointHealth(endpoint.url, "down", f"{endpoint.url} refused the request: {err}"))
                continue
            except (SummarizerError, Exception) as err:
                results.append(EndpointHealth(endpoint.url, "down", f"{endpoint.url}: {err}"))
                continue
            latency = (time.perf_counter() - started) * 1000.0
            health = _judge(endpoint.url, llm.model, models, latency, settings.backend)
            results.append(_with_capacity(health, llm.protocol, endpoint, llm.model))
    finally:
        llm.close()
    return results


def _with_capacity(health: EndpointHealth, protocol: Any, endpoint: Any, model: str) -> EndpointHealth:
    """Add what the server says about its context and slots to the reason (Settings ▸ Test connection)."""
    if health.state not in ("up", "slow"):
        return health
    try:
        capacity = protocol.capacity(endpoint.client, endpoint=endpoint.url, model=model)
    except SummarizerError:
        return health
    parts = []
    if capacity.n_ctx:
        parts.append(f"context {capacity.n_ctx} tokens")
    if capacity.slots:
        parts.append(f"{capacity.slots} parallel slot{'s' if capacity.slots > 1 else ''}")
    if capacity.chat_template is False:
        parts.append("no chat template (completion mode)")
    if not parts:
        return health
    reason = f"{health.reason} Server: {', '.join(parts)}."
    return EndpointHealth(health.url, health.state, reason, health.latency_ms, capacity=capacity.to_dict())


def _probe_local(settings: Settings) -> EndpointHealth:
    from .summarize.local import INSTALL_HINT, check_model_file

    try:
        path = check_model_file(settings.model_file)
    except BadRequestError as err:
        return EndpointHealth("local", "down", str(err))
    try:
        import importlib.util

        if importlib.util.find_spec("llama_cpp") is None:
            return EndpointHealth(str(path), "down", INSTALL_HINT)
    except ValueError:
        return EndpointHealth(str(path), "down", INSTALL_HINT)
    return EndpointHealth(str(path), "up", f"The model {path.name} runs on this computer.", 0.0)


def _served_name(name: str) -> str:
    """A model listed by its file path (llama.cpp without an alias) compared by its file name's stem."""
    stem = name.replace("\\", "/").rsplit("/", 1)[-1]
    return stem[: -len(".gguf")] if stem.lower().endswith(".gguf") else stem


def _judge(url: str, model: str, models: list[str], latency: float, backend: str) -> EndpointHealth:
    def known(name: str) -> bool:
        base = name.split(":", maxsplit=1)[0]
        if model in (name, base) or (":" not in model and name == f"{model}:latest"):
            return True
        # llama.cpp lists a model served without an alias by its path; it serves it whatever name is asked.
        if _served_name(name) == _served_name(model):
            return True
        return backend == "openai" and len(models) == 1 and ("/" in name or name.lower().endswith(".gguf"))

    if models and not any(known(m) for m in models):
        choices = ", ".join(models[:5])
        if backend == "ollama":
            return EndpointHealth(
                url,
                "down",
                f"The model {model!r} is not pulled on {url}: run `ollama pull {model}`, or choose one of: {choices}.",
                latency,
            )
        return EndpointHealth(
            url, "up", f"Answers, but does not list the model {model!r} (it lists {choices}).", latency
        )
    if latency > SLOW_MS:
        return EndpointHealth(url, "slow", f"Answers slowly: {latency:.0f} ms to list its models.", latency)
    return EndpointHealth(url, "up", f"Answers in {latency:.0f} ms; model {model!r} is available.", latency)


class HealthMonitor:
    """Probes the backend every ``interval`` seconds and publishes changes. One loop; thread-safe reads."""

    def __init__(
        self, settings: Settings, bus: EventBus, *, summarizer: Summarizer | None = None, interval: float = 5.0
    ) -> None:
        self.settings = settings
        self.bus = bus
        self.summarizer = summarizer
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._last: BackendHealth | None = None
        #: Called on the health loop's thread after every check (the engine redoes fallback chapters).
        self.on_checked: Callable[[BackendHealth], None] | None = None

    @property
    def current(self) -> BackendHealth | None:
        with self._lock:
            return self._last

    def check(self) -> BackendHealth:
        """Probe now, merge in the summarizer's circuit states, publish if anything changed."""
        endpoints = probe(self.settings, timeout=min(5.0, self.settings.request_timeout))
        if self.summarizer is not None:
            for e in endpoints:
                if e.state in ("up", "slow"):
                    self.summarizer.record_healthy(e.url)  # a half-open circuit closes: the server answers again
        circuits = self._circuits()
        merged = []
        for e in endpoints:
            circuit = circuits.get(e.url)
            if circuit and circuit.circuit == "open":
                reason = f"Paused after repeated failures ({circuit.last_error or 'no answer'}); retried soon."
                merged.append(EndpointHealth(e.url, "circuit_open", reason, e.latency_ms))
            else:
                merged.append(e)
        health = BackendHealth(self.settings.backend, tuple(merged))
        with self._lock:
            previous, self._last = self._last, health
        if previous is None or [(e.url, e.state, e.reason.split(":")[0]) for e in previous.endpoints] != [
            (e.url, e.state, e.reason.split(":")[0]) for e in health.endpoints
        ]:
            for e in [
                e
                for e in health.endpoints
                if (e.url, e.state) not in {(p.url, p.state) for p in (previous.endpoints if previous else ())}
            ]:
                log.info("Backend endpoint %s is %s: %s", e.url, e.state, e.reason)
            self.bus.publish(health)
        return health

    def _circuits(self) -> dict[str, EndpointStats]:
        if self.summarizer is None:
            return {}
        return {e.url: e for e in self.summarizer.stats().endpoints}

    def run(self) -> None:
        """The loop (through the spawn hook); ends when :meth:`stop` is called."""
        while not self._stop.is_set():
            try:
                health = self.check()
                if self.on_checked is not None:
                    self.on_checked(health)
            except Exception:
                log.exception("Backend health check failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
