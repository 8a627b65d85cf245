"""Operator commands: status, inspect, purge, cache, serve."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from desktop_app.config import Settings

from .common import EXIT_DATABASE, EXIT_OK, EXIT_USAGE, _open_engine, _with_document


def _cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    engine = _open_engine(settings)
    if engine is None:
        return EXIT_DATABASE
    try:
        status = engine.status().to_dict()
        status["instances"] = [asdict(i) for i in engine.instances()]
    finally:
        engine.stop()
    if args.json:
        print(json.dumps(status, indent=2, default=str))
        return EXIT_OK
    print(f"async_enabled          {status['async_enabled']}")
    print(f"summary_queue_size     {status['summary_queue_size']} / {status['summary_queue_maxsize']}")
    print(f"write_queue_size       {status['write_queue_size']} / {status['write_queue_maxsize']}")
    print(f"backend                {status['backend']} {status['model']}")
    print(f"backlog                {status['backlog']} chapters pending")
    chapters = status["chapters"]
    print("chapters               " + ", ".join(f"{k} {v}" for k, v in chapters.items()))
    print(f"running engines        {len(status['instances'])}")
    docs = status["documents_in_progress"]
    print(f"documents in progress  {len(docs)}")
    for d in docs:
        print(f"  {d['id'][:8]}  {d['progress']:5.1f}%  {d['done']}/{d['chapter_count']}  {d['title']}")
    return EXIT_OK


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
            print(json.dumps(rows, indent=2, default=str))
            return EXIT_OK
        if not report["instances"]:
            print("No engine is running on this database (start the window or `chapterwise serve`).", file=sys.stderr)
        elif not rows:
            print("Nothing in flight.", file=sys.stderr)
        for r in rows:
            chapter = f"ch. {r['chapter_index'] + 1}" if r.get("chapter_index") is not None else "summary"
            print(
                f"{r['document_id'][:8]}  {chapter:<8} worker {r['worker']:<3} {r['seconds']:>7.1f} s  "
                f"{r.get('endpoint') or '-':<28} {r['title'][:40]}"
            )
        return EXIT_OK
    stats = {"workers": report["workers"], "endpoints": report["endpoints"], "instances": report["instances"]}
    if args.json:
        print(json.dumps(stats, indent=2, default=str))
        return EXIT_OK
    print("worker  done  failed  mean ms  p95 ms")
    for w in report["workers"]:
        mean = f"{w['mean_ms']:.0f}" if w["mean_ms"] is not None else "-"
        p95 = f"{w['p95_ms']:.0f}" if w["p95_ms"] is not None else "-"
        print(f"{w['worker']:>6}  {w['done']:>4}  {w['failed']:>6}  {mean:>7}  {p95:>6}")
    if report["endpoints"]:
        print("\nendpoint                              in flight  limit  circuit")
        for e in report["endpoints"]:
            print(f"{e['url'][:36]:<36}  {e['in_flight']:>9}  {e.get('limit') or '-':>5}  {e['circuit']}")
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    def action(engine: Any) -> int:
        doc_id = engine.document(args.document, chapters=False).id if args.document else None
        pending = engine.status().chapters["pending"] if doc_id is None else engine.document(doc_id).chapter_count
        if not args.yes:
            if not sys.stdin.isatty():
                print("chapterwise: refusing to purge without --yes (no terminal to confirm)", file=sys.stderr)
                return EXIT_USAGE
            scope = "this document's" if doc_id else "all"
            answer = input(
                f"Drop {scope} pending chapters from the backlog (up to {pending})? Done chapters are kept. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                return EXIT_OK
        print(f"Purged {engine.purge(doc_id)} pending chapters.")
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
            print(json.dumps({"removed": removed}) if args.json else f"Removed {removed} cached summaries.")
            return EXIT_OK
        stats = asdict(cache.stats())
    finally:
        cache.close()
    if args.json:
        print(json.dumps(stats, indent=2))
        return EXIT_OK
    print(f"entries    {stats['entries']} (at most {stats['max_entries']})")
    print(f"size       {stats['bytes'] / 1e6:.1f} MB (at most {stats['max_bytes'] / 1e6:.0f} MB)")
    print(f"hit rate   {stats['hit_rate']:.0%} ({stats['hits']} hits, {stats['misses']} misses)")
    print(f"oldest     {stats['oldest_entry'] or '-'}")
    print(f"ttl        {stats['ttl_seconds'] / 3600:g} h")
    print(f"directory  {stats['directory']}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from desktop_app.api.server import serve

    code: int = serve(settings, host=args.host, port=args.port)
    return code
