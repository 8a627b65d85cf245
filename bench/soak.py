"""Soak: three headless workers on one PostgreSQL, one of them SIGKILLed 20 times; every chapter ends done once.

    make soak                      (or: PYTHONPATH=. python bench/soak.py [--db URL] [--kills 20] [--seed 1])

Starts a throwaway PostgreSQL cluster (unless ``--db`` names one), the project's LLM simulator (each
answer takes ``--latency`` seconds, so the run lasts long enough to be interrupted), saves ``--documents``
documents of ``--chapters`` chapters, then runs three ``chapterwise worker`` processes with leases of
``--lease`` seconds and SIGKILLs one of them at a random moment, ``--kills`` times, restarting it each
time (each victim up 1–4 s first, start-up included). When the backlog is empty it checks that every
chapter is done exactly once (one row each, none pending or processing, every document done) and prints
the split of the work between the three worker slots (results each committed, from their logs) and how
many results were committed beyond one a chapter.

Exits 0 when every check holds, 1 otherwise. Needs PostgreSQL's server binaries (``initdb``, ``pg_ctl``).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import func, select

from chapterwise_testing.llmsim import LLMSimulator
from desktop_app.config import Settings
from desktop_app.engine.ingest.base import ParsedChapter, ParsedDocument
from desktop_app.engine.service import Engine
from desktop_app.engine.store.db import open_database
from desktop_app.engine.store.models import Chapter, Document

ROOT = Path(__file__).resolve().parent.parent
WORDS = "river market policy theory model data growth science mountain method result harbour trade court".split()
COMMITTED = re.compile(r"Committed batch of (\d+) chapters")


class Cluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (as the tests' fixture; run as ``postgres`` under root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
        initdb = shutil.which("initdb")
        self.bindir = Path(found[0]) if found else Path(initdb).parent if initdb else None
        if self.bindir is None:
            raise SystemExit("soak: PostgreSQL is not installed (initdb not found); pass --db URL")
        self.base = Path(tempfile.mkdtemp(prefix="chapterwise-soak-pg-"))
        self.data = self.base / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        assert self.bindir is not None
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        options = f"-F -p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=300"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "-w",
            "start",
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        assert self.bindir is not None
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


def book(rng: random.Random, number: int, chapters: int) -> ParsedDocument:
    def paragraph() -> str:
        return " ".join(" ".join(rng.choices(WORDS, k=rng.randint(8, 14))).capitalize() + "." for _ in range(6))

    return ParsedDocument(
        title=f"Soak book {number}",
        format="txt",
        chapters=[ParsedChapter(f"Chapter {i + 1}", paragraph()) for i in range(chapters)],
        structure="generated",
    )


class Slot:
    """One of the three worker places: its current process and the log all its processes append to."""

    def __init__(self, number: int, url: str, sim_url: str, lease: float, work: Path) -> None:
        self.number = number
        self.log = work / f"worker-{number}.log"
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "CHAPTERWISE_DATA_DIR": str(work / f"worker-{number}"),
            "CHAPTERWISE_ENDPOINTS": sim_url,
            "CHAPTERWISE_LEASE_SECONDS": str(lease),
            "CHAPTERWISE_CACHE_ENABLED": "false",
            "CHAPTERWISE_FALLBACK_TO_EXTRACTIVE": "false",
        }
        self.url = url
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.started_at = 0.0

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "desktop_app.cli", "-v", "--backend", "ollama", "worker", "--db", self.url],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.started_at = time.monotonic()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def committed(self) -> int:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return sum(int(n) for n in COMMITTED.findall(text))


def counts(url: str) -> tuple[dict[str, int], int, int, int]:
    """(chapters by status, rows, distinct (document, index), documents not done)."""
    db, sessions = open_database(url)
    try:
        with sessions() as s:
            grouped = s.execute(select(Chapter.status, func.count()).group_by(Chapter.status))
            by_status = {str(k): int(v) for k, v in grouped}
            rows = int(s.scalar(select(func.count()).select_from(Chapter)) or 0)
            pairs = select(Chapter.document_id, Chapter.index).distinct().subquery()
            distinct = int(s.scalar(select(func.count()).select_from(pairs)) or 0)
            open_docs = int(s.scalar(select(func.count()).select_from(Document).where(Document.status != "done")) or 0)
    finally:
        db.dispose()
    return by_status, rows, distinct, open_docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an existing PostgreSQL URL (default: a throwaway cluster)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--documents", type=int, default=3)
    parser.add_argument("--chapters", type=int, default=1000)
    parser.add_argument("--lease", type=float, default=5.0)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds the simulated LLM takes an answer")
    parser.add_argument("--every", type=float, default=2.0, help="mean seconds between kills")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0, help="longest wait for the backlog to empty")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="chapterwise-soak-"))
    cluster = None if args.db else Cluster()
    url = args.db or cluster.start()  # type: ignore[union-attr]
    sim = LLMSimulator(latency=args.latency, tokens_per_second=0, slots=64).start()
    slots: list[Slot] = []
    started = time.monotonic()
    try:
        seeder = Engine(
            Settings(database_url=url, data_dir=work / "seeder", skip_pipeline_init=True, cache_enabled=False)
        )
        total = 0
        for number in range(args.documents):
            doc = seeder.add_parsed(book(rng, number + 1, args.chapters), file_name=f"soak-{number + 1}.txt")
            total += doc.chapter_count
        seeder.stop()
        print(f"Saved {args.documents} documents, {total} chapters; simulated LLM answers take {args.latency:g} s")
        slots = [Slot(n + 1, url, sim.url, args.lease, work) for n in range(3)]
        for slot in slots:
            slot.start()
        tick = threading.Event()
        for kill in range(1, args.kills + 1):
            tick.wait(rng.uniform(args.every / 2, args.every * 1.5))
            victim = rng.choice(slots)
            # A victim killed before it got going proves little: it is up a random 1-4 s (start-up included).
            tick.wait(max(0.0, victim.started_at + rng.uniform(1.0, 4.0) - time.monotonic()))
            victim.kill()
            done = counts(url)[0].get("done", 0)
            print(f"kill {kill:>2}: SIGKILL worker {victim.number} (done {done}/{total})", flush=True)
            victim.start()
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            by_status, rows, distinct, open_docs = counts(url)
            if by_status.get("done", 0) == total and open_docs == 0:
                break
            tick.wait(0.5)
        elapsed = time.monotonic() - started
    finally:
        for slot in slots:
            slot.stop()
        sim.stop()
    by_status, rows, distinct, open_docs = counts(url)
    if cluster is not None:
        cluster.stop()
    committed = [slot.committed() for slot in slots]
    checks = {
        "one row a chapter (no duplicates)": rows == distinct == total,
        "no chapter lost (all done)": by_status.get("done", 0) == total,
        "none stuck (pending 0, processing 0)": not by_status.get("pending") and not by_status.get("processing"),
        "every document done": open_docs == 0,
    }
    print(f"\nafter {args.kills} SIGKILLs, {elapsed:.0f} s, lease {args.lease:g} s")
    print(f"{'worker':>6} {'kills':>5} {'results committed':>18} {'share':>6}")
    for slot, n in zip(slots, committed, strict=True):
        print(f"{slot.number:>6} {slot.kills:>5} {n:>18} {n / max(sum(committed), 1):>6.0%}")
    print(f"{'all':>6} {sum(s.kills for s in slots):>5} {sum(committed):>18}")
    twice = sum(committed) - total - args.documents
    print(f"chapters {total}; results committed beyond one a chapter (retries, reclaimed work): {twice}")
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
