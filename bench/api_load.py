"""Load on the local HTTP API: 50 concurrent uploaders and 200 status requests a second, for 30 s.

One command starts its own server (``chapterwise serve`` in a child process, on a temporary data
directory and a free port) unless ``--url`` points at a running one::

    .venv/bin/python bench/api_load.py                     # 30 s, prints a table
    .venv/bin/python bench/api_load.py --duration 10 --json
    .venv/bin/python bench/api_load.py --url http://127.0.0.1:8000 --token "$(cat ~/.local/share/chapterwise/api_token)"

Uploaders post a small, distinct Markdown book (5 chapters) in a loop, each waiting for its answer before
the next (a closed loop of ``--uploaders`` clients). Status requests are an open loop at ``--rate`` per
second, alternating ``GET /api/pipeline/status`` and the second seed's session status of a recent upload.
Every answer other than 2xx, and every transport error, is an error. Exit status 1 when there were errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

WORDS = (
    "river market policy theory model data growth science mountain method result harbour trade court law "
    "contract payment season harvest village council letter journey winter bridge"
).split()


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def record(self, name: str, started: float, response: httpx.Response | None, error: str | None = None) -> None:
        self.latencies[name].append((time.perf_counter() - started) * 1000.0)
        if error is None and response is not None and response.is_success:
            return
        self.errors[name] += 1
        if len(self.samples[name]) < 3:
            self.samples[name].append(
                error or f"HTTP {response.status_code if response else '?'}: {response.text[:200] if response else ''}"
            )

    def table(self, duration: float) -> list[dict[str, Any]]:
        rows = []
        for name in sorted(self.latencies):
            values = np.asarray(self.latencies[name])
            rows.append(
                {
                    "endpoint": name,
                    "requests": len(values),
                    "per_second": round(len(values) / duration, 1),
                    "errors": self.errors.get(name, 0),
                    "p50_ms": round(float(np.percentile(values, 50)), 1),
                    "p95_ms": round(float(np.percentile(values, 95)), 1),
                    "max_ms": round(float(values.max()), 1),
                }
            )
        return rows


def book(n: int, chapters: int = 5) -> bytes:
    rng = random.Random(n)
    parts = []
    for i in range(chapters):
        sentences = " ".join(" ".join(rng.choices(WORDS, k=12)).capitalize() + "." for _ in range(10))
        parts.append(f"# Chapter {i + 1}\n\nUpload {n}. {sentences}\n")
    return "\n".join(parts).encode()


async def uploader(
    client: httpx.AsyncClient, stats: Stats, stop: float, counter: Iterator[int], recent: list[str]
) -> None:
    while time.perf_counter() < stop:
        n = next(counter)
        started = time.perf_counter()
        try:
            response = await client.post("/api/upload", files={"file": (f"load-{n}.md", book(n))})
        except httpx.HTTPError as err:
            stats.record("POST /api/upload", started, None, f"{type(err).__name__}: {err}")
            continue
        stats.record("POST /api/upload", started, response)
        if response.is_success:
            recent.append(response.json()["document_id"])
            del recent[:-100]


async def status_load(
    clients: list[httpx.AsyncClient], stats: Stats, stop: float, rate: float, recent: list[str]
) -> None:
    tasks: set[asyncio.Task[None]] = set()
    interval = 1.0 / rate
    next_at = time.perf_counter()
    i = 0

    async def one(client: httpx.AsyncClient, name: str, path: str) -> None:
        started = time.perf_counter()
        try:
            response = await client.get(path)
        except httpx.HTTPError as err:
            stats.record(name, started, None, f"{type(err).__name__}: {err}")
            return
        stats.record(name, started, response)

    while next_at < stop:
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if i % 2 == 0 or not recent:
            name, path = "GET /api/pipeline/status", "/api/pipeline/status"
        else:
            doc = recent[i % len(recent)]
            name, path = (
                "GET /api/document-summarizer/sessions/{id}/status/",
                (f"/api/document-summarizer/sessions/{doc}/status/"),
            )
        task = asyncio.create_task(one(clients[i % len(clients)], name, path))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
        next_at += interval
    if tasks:
        await asyncio.gather(*tasks)


async def run_load(url: str, token: str, *, duration: float, uploaders: int, rate: float) -> dict[str, Any]:
    stats = Stats()
    recent: list[str] = []
    counter = iter(range(10**9))
    headers = {"Authorization": f"Bearer {token}"}
    # Many small clients rather than one with a big pool: httpx's pool costs grow with its connection
    # count, and one shared pool made the load generator, not the server, the bottleneck.
    async with contextlib.AsyncExitStack() as stack:

        def new_client(connections: int) -> httpx.AsyncClient:
            limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
            return httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120.0)

        upload_clients = [await stack.enter_async_context(new_client(1)) for _ in range(uploaders)]
        status_clients = [await stack.enter_async_context(new_client(4)) for _ in range(max(1, int(rate) // 8))]
        client = status_clients[0]
        before = (await client.get("/api/pipeline/status")).json()
        started = time.perf_counter()
        stop = started + duration
        await asyncio.gather(
            *(uploader(c, stats, stop, counter, recent) for c in upload_clients),
            status_load(status_clients, stats, stop, rate, recent),
        )
        elapsed = time.perf_counter() - started
        after = (await client.get("/api/pipeline/status")).json()
    return {
        "url": url,
        "duration_s": round(elapsed, 1),
        "uploaders": uploaders,
        "status_rate_per_s": rate,
        "endpoints": stats.table(elapsed),
        "errors": sum(stats.errors.values()),
        "error_samples": {k: v for k, v in stats.samples.items() if v},
        "chapters_done_during_run": (after.get("chapters") or {}).get("done", 0)
        - (before.get("chapters") or {}).get("done", 0),
        "backlog_at_end": after.get("backlog"),
        "workers_at_end": after.get("workers"),
    }


@contextlib.contextmanager
def own_server() -> Iterator[tuple[str, str]]:
    """``chapterwise serve`` on a temporary data directory and a free port; yields (url, token)."""
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="chapterwise-load-") as data:
        env = {**os.environ, "CHAPTERWISE_DATA_DIR": data, "CHAPTERWISE_API_TOKEN": token}
        process = subprocess.Popen(
            [sys.executable, "-m", "desktop_app.cli", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"listening on (http://\S+)", line)
            if match is None:
                raise SystemExit(f"the server did not start: {line!r}")
            yield match.group(1), token
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def print_table(result: dict[str, Any]) -> None:
    print(
        f"API load: {result['uploaders']} concurrent uploaders + {result['status_rate_per_s']:.0f} status "
        f"requests/s for {result['duration_s']} s against {result['url']}"
    )
    header = f"{'endpoint':<52} {'requests':>9} {'req/s':>7} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    for row in result["endpoints"]:
        print(
            f"{row['endpoint']:<52} {row['requests']:>9} {row['per_second']:>7} {row['errors']:>7} "
            f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}"
        )
    print(
        f"errors: {result['errors']}; chapters summarized during the run: {result['chapters_done_during_run']}; "
        f"backlog at the end: {result['backlog_at_end']}; workers: {result['workers_at_end']}"
    )
    for name, samples in result["error_samples"].items():
        for sample in samples:
            print(f"  {name}: {sample}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--token", default=os.environ.get("CHAPTERWISE_API_TOKEN"), help="its API token")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--uploaders", type=int, default=50, help="concurrent uploaders (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="status requests per second (default 200)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    if args.url:
        if not args.token:
            parser.error("--url needs --token (or CHAPTERWISE_API_TOKEN)")
        result = asyncio.run(
            run_load(args.url.rstrip("/"), args.token, duration=args.duration, uploaders=args.uploaders, rate=args.rate)
        )
    else:
        with own_server() as (url, token):
            result = asyncio.run(run_load(url, token, duration=args.duration, uploaders=args.uploaders, rate=args.rate))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
