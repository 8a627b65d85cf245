"""Operator commands: status, inspect, purge, cache, serve."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from desktop_app.config import Settings

from .common import EXIT_DATABASE, EXIT_OK, EXIT_USAGE, _open_engine, _with_document, error, print_json, say


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        status = engine.status().to_dict()
        status["instances"] = [asdict(i) for i in engine.instances()]
        if settings.backend != "extractive":
            # What the server says of itself (context, slots, chat template), as Settings ▸ Test connection shows.
            status["servers"] = [e.to_dict() for e in engine.test_connection(settings)]
    finally:
        engine.stop()
    if args.json:
        print_json(status)
        return EXIT_OK
    print(render_status(status))
    return EXIT_OK


def render_status(status: dict[str, Any]) -> str:
    """``chapterwise status`` for a person: words, not keys; counts with their nouns; nothing empty."""
    rows = [
        (
            "Mode",
            "background (summaries are written as they come)"
            if status["async_enabled"]
            else "synchronous (an upload waits for its summaries)",
        ),
        ("Summarizer", f"{status['backend']} ({status['model']})" if status.get("model") else status["backend"]),
        ("Backlog", _count(int(status["backlog"]), "chapter") + " waiting"),
    ]
    chapters = {k: v for k, v in status["chapters"].items() if v}
    rows.append(("Chapters", ", ".join(f"{v:,} {k}" for k, v in chapters.items()) if chapters else "none yet"))
    rows.append(("Summary queue", f"{status['summary_queue_size']} of {status['summary_queue_maxsize']}"))
    rows.append(("Write queue", f"{status['write_queue_size']} of {status['write_queue_maxsize']}"))
    instances = status.get("instances", [])
    rows.append(
        (
            "Running engines",
            "none (start the window or `chapterwise serve`)"
            if not instances
            else "; ".join(f"{i['host']} (pid {i['pid']})" for i in instances),
        )
    )
    for number, server in enumerate(status.get("servers", [])):
        rows.append(("Server" if number == 0 else "", render_server(server)))
    width = max(len(label) for label, _ in rows) + 2
    lines = [f"{label:<{width}}{value}" for label, value in rows]
    docs = status["documents_in_progress"]
    if docs:
        lines += ["", f"{'In progress':<{width}}{_count(len(docs), 'document')}", "  ID        DONE    CHAPTERS  TITLE"]
        lines += [
            f"  {d['id'][:8]}  {d['progress']:5.1f}%  {d['done']:>4}/{d['chapter_count']:<4} {d['title']}" for d in docs
        ]
    else:
        lines.append(f"{'In progress':<{width}}no documents")
    return "\n".join(lines)


def render_server(server: dict[str, Any]) -> str:
    """One endpoint for ``chapterwise status``: its state, and the context and slots it said it has."""
    capacity = server.get("capacity") or {}
    if server["state"] not in ("up", "slow") or not capacity:
        return f"{server['url']}: {server['state']}. {server['reason']}"
    parts = []
    if capacity.get("n_ctx"):
        parts.append(f"context {capacity['n_ctx']:,} tokens")
    if capacity.get("slots"):
        parts.append(_count(int(capacity["slots"]), "parallel slot"))
    if capacity.get("model"):
        parts.append(f"model {str(capacity['model']).replace(chr(92), '/').rsplit('/', 1)[-1]}")  # a path: its name
    if capacity.get("chat_template") is False:
        parts.append("no chat template (completion mode)")
    return f"{server['url']}: {server['state']}, " + ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _cmd_inspect(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        report = engine.inspect().to_dict()
    finally:
        engine.stop()
    if args.what == "active":
        rows = report["active"]
        if args.json:
            print_json(rows)
            return EXIT_OK
        if not report["instances"]:
            say("No engine is running on this database (start the window or `chapterwise serve`).")
        elif not rows:
            say("Nothing in flight.")
        for r in rows:
            chapter = f"ch. {r['chapter_index'] + 1}" if r.get("chapter_index") is not None else "summary"
            print(
                f"{r['document_id'][:8]}  {chapter:<8} worker {r['worker']:<3} {r['seconds']:>7.1f} s  "
                f"{r.get('endpoint') or '-':<28} {r['title'][:40]}"
            )
        return EXIT_OK
    stats = {"workers": report["workers"], "endpoints": report["endpoints"], "instances": report["instances"]}
    if args.json:
        print_json(stats)
        return EXIT_OK
    if not report["instances"]:
        say("No engine is running on this database (start the window or `chapterwise serve`).")
        return EXIT_OK
    if not report["workers"]:
        say("The running engine has no summary worker yet.")
    else:
        print("WORKER  DONE  FAILED  MEAN MS  P95 MS")
    for w in report["workers"]:
        mean = f"{w['mean_ms']:.0f}" if w["mean_ms"] is not None else "-"
        p95 = f"{w['p95_ms']:.0f}" if w["p95_ms"] is not None else "-"
        print(f"{w['worker']:>6}  {w['done']:>4}  {w['failed']:>6}  {mean:>7}  {p95:>6}")
    if report["endpoints"]:
        print("\nENDPOINT                              IN FLIGHT  LIMIT  CIRCUIT")
        for e in report["endpoints"]:
            print(f"{e['url'][:36]:<36}  {e['in_flight']:>9}  {e.get('limit') or '-':>5}  {e['circuit']}")
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        doc_id = engine.document(args.document, chapters=False).id if args.document else None
        pending = engine.status().chapters["pending"] if doc_id is None else engine.document(doc_id).chapter_count
        if not args.yes:
            if not sys.stdin.isatty():
                error("refusing to purge without --yes (no terminal to confirm)")
                return EXIT_USAGE
            scope = "this document's" if doc_id else "all"
            answer = input(
                f"Drop {scope} pending chapters from the backlog (up to {pending})? Done chapters are kept. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                return EXIT_OK
        print(f"Purged {_count(engine.purge(doc_id), 'pending chapter')}.")
        return EXIT_OK

    if not args.document:
        args.document = None
    return _with_document(args, settings, action)


def _cmd_cache(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.engine.summarize.cache import open_cache

    cache = open_cache(settings)
    try:
        if args.action == "clear":
            removed = cache.clear()
            noun = "summary" if removed == 1 else "summaries"
            print(json.dumps({"removed": removed}) if args.json else f"Removed {removed} cached {noun}.")
            return EXIT_OK
        stats = asdict(cache.stats())
    finally:
        cache.close()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"entries    {stats['entries']} (at most {stats['max_entries']})")
    print(f"size       {stats['bytes'] / 1e6:.1f} MB (at most {stats['max_bytes'] / 1e6:.0f} MB)")
    print(
        f"hit rate   {stats['hit_rate']:.0%} ({_count(stats['hits'], 'hit')}, {stats['misses']} "
        f"{'miss' if stats['misses'] == 1 else 'misses'})"
    )
    print(f"oldest     {stats['oldest_entry'] or '-'}")
    print(f"ttl        {stats['ttl_seconds'] / 3600:g} h")
    print(f"directory  {stats['directory']}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.api.server import serve

    code: int = serve(settings, host=args.host, port=args.port)
    return code
