"""Fixtures for summarizer backend tests: a live LLM simulator and fast backend settings.

Import explicitly (``from tests.engine.llm_fixtures import ...``); pytest fixtures are re-exported by
the importing module.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings
from desktop_app.engine.summarize.registry import BackendOptions
from desktop_app.engine.summarize.routing import RetryPolicy

MODEL = "llama3.2"

CHAPTER = (
    "The river rose for three days after the storm. Farmers moved their animals to the hills. "
    "The council opened the school as a shelter for families. By the fourth day the water fell, "
    "leaving mud across the valley. Repairs to the bridge took the rest of the summer."
)

CONTRACT = (
    "This Distribution Agreement is made between the parties. The Distributor shall be the exclusive "
    "distributor of the Products in the Territory. Neither party may assign this Agreement without the "
    "prior written consent of the other party. This Agreement shall be governed by the laws of the State of "
    "California. Either party may terminate this Agreement for any reason upon ninety (90) days prior "
    "written notice. The Distributor shall indemnify and hold harmless the Company from all claims. "
    "The parties agree that the obligations hereunder survive termination of the agreement."
)


class Sleeps:
    """A ``sleep`` replacement that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sim() -> Iterator[LLMSimulator]:
    with LLMSimulator(latency=0.0, tokens_per_second=0.0, slots=4, hang_seconds=5.0) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def fast_options(sleeps: Sleeps | None = None, **overrides: Any) -> BackendOptions:
    values: dict[str, Any] = {
        "retry": RetryPolicy(attempts=3, base=0.001, cap=0.01, max_retry_after=0.05),
        "sleep": sleeps if sleeps is not None else Sleeps(),
        "rng": random.Random(7),
        "connect_timeout": 1.0,
    }
    values.update(overrides)
    return BackendOptions(**values)


def settings_for(tmp_path: Path, backend: str, urls: list[str], **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "backend": backend,
        "model": MODEL,
        "endpoints": urls,
        "request_timeout": 2.0,
        "cache_enabled": False,
    }
    values.update(overrides)
    return Settings(**values)


def backend_urls(sim: LLMSimulator, backend: str) -> list[str]:
    return [sim.url + ("/v1" if backend == "openai" else "")]
