"""API fixtures: a real engine on a real SQLite file, served by a live uvicorn on 127.0.0.1:<ephemeral>.

``api`` starts one server per test (``make_api`` for settings of one's own); ``client`` is an
``httpx.Client`` that sends the token. Summarizers are the real extractive one, behind a gate the test
opens (``GatedSummarizer``), so a test can see a document *before* its chapters are summarized.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from desktop_app.api.server import ApiServer
from desktop_app.config import Settings
from desktop_app.engine.service import Engine
from desktop_app.engine.summarize.base import BadRequestError, SummaryRequest, SummaryResult
from tests.engine.pipeline_helpers import EventLog, GatedSummarizer

CONTRACT = (
    "This Agreement is entered into by the Parties. The Supplier shall indemnify and hold harmless the Customer "
    "from any claims. The limitation of liability set out in this Agreement shall not apply to breaches of "
    "confidentiality. Either Party may terminate this Agreement for convenience upon thirty days written notice. "
    "The Customer shall pay all fees within thirty days. This Agreement shall be governed by the laws of England."
)


def markdown_book(
    chapters: int, *, words: str = "The river runs past the market and the harbour.", title: str = "Chapter"
) -> bytes:
    body = [f"# {title} {i + 1}\n\n" + " ".join([words] * 8) + f" Chapter number {i + 1}.\n" for i in range(chapters)]
    return "\n".join(body).encode()


def contract_markdown() -> bytes:
    return (f"# Definitions\n\n{CONTRACT}\n\n# Term and termination\n\n{CONTRACT}\n").encode()


def encrypted_pdf(password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    from chapterwise_testing.pdfs import PageSpec, make_text_pdf

    plain = make_text_pdf([PageSpec(["This text is only readable with the password."] * 20, heading="Secret")])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class FlakySummarizer(GatedSummarizer):
    """Fails chapters whose title contains ``broken`` for good (a permanent error), until ``heal()``."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = True

    def heal(self) -> None:
        self.broken = False

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        if self.broken and request.kind == "chapter" and "broken" in request.title.lower():
            raise BadRequestError("the model refused this chapter")
        return super().summarize(request)


@dataclass
class LiveApi:
    """A running engine and server, and what a test needs to talk to them."""

    engine: Engine
    server: ApiServer
    settings: Settings
    summarizer: GatedSummarizer
    events: EventLog

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.auth, timeout=30.0, **kwargs)

    def open_gate(self) -> None:
        self.summarizer.gate.set()


MakeApi = Callable[..., LiveApi]


@pytest.fixture
def make_api(tmp_path: Path, isolated_data_dir: Path) -> Iterator[MakeApi]:
    """Start an engine and a live server with these settings (``gate_open=False`` holds the summaries)."""
    started: list[LiveApi] = []

    def make(
        *,
        gate_open: bool = True,
        summarizer: GatedSummarizer | None = None,
        start_engine: bool = True,
        real_summarizer: bool = False,
        **overrides: Any,
    ) -> LiveApi:
        values: dict[str, Any] = {
            "data_dir": isolated_data_dir,
            "database_url": f"sqlite:///{tmp_path / f'api-{len(started)}.db'}",
            "cache_enabled": False,
            "batch_interval_ms": 50,
        }
        values.update(overrides)
        settings = Settings(**values)
        gated = summarizer or GatedSummarizer()
        if gate_open:
            gated.gate.set()
        # real_summarizer: the configured backend with its cache, as the app builds it
        engine = Engine(settings, summarizer=None if real_summarizer else gated)
        events = EventLog()
        engine.bus.subscribe(events)
        if start_engine:
            engine.start()
        server = ApiServer(engine, settings, port=0)
        live = LiveApi(engine, server, settings, gated, events)
        started.append(live)
        server.start()
        return live

    yield make
    for live in reversed(started):
        live.summarizer.gate.set()
        live.server.stop()
        live.engine.stop(timeout=10)


@pytest.fixture
def api(make_api: MakeApi) -> LiveApi:
    return make_api()


@pytest.fixture
def client(api: LiveApi) -> Iterator[httpx.Client]:
    with api.client() as c:
        yield c


def iter_sse(response: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event name, data) of each Server-Sent Event frame of a streaming response; comments skipped."""
    import json

    name, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield name, json.loads("\n".join(data))
            name, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
