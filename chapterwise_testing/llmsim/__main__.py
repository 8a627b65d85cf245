"""Run the LLM simulator from the command line: ``python -m chapterwise_testing.llmsim --port 11434``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import threading

from . import LLMSimulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local server that speaks Ollama's and OpenAI's chat APIs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds before the first token")
    parser.add_argument("--tokens-per-second", type=float, default=50.0, help="0 = as fast as possible")
    parser.add_argument(
        "--prompt-tokens-per-second", type=float, default=0.0, help="how fast the prompt is read; 0 = at once"
    )
    parser.add_argument(
        "--stream-over-latency",
        action="store_true",
        help="stream the answer's tokens over --latency (the last at its end) instead of after it",
    )
    parser.add_argument("--slots", type=int, default=2, help="requests served at once; others queue")
    parser.add_argument("--max-queue", type=int, default=None, help="queued requests beyond which 503 is sent")
    parser.add_argument("--api-key", default=None, help="require this Bearer key on /v1/*")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(message)s")
    sim = LLMSimulator(
        host=args.host,
        port=args.port,
        latency=args.latency,
        tokens_per_second=args.tokens_per_second,
        prompt_tokens_per_second=args.prompt_tokens_per_second,
        stream_over_latency=args.stream_over_latency,
        slots=args.slots,
        max_queue=args.max_queue,
        api_key=args.api_key,
    )
    with sim:
        print(f"LLM simulator on {sim.url} (Ollama: {sim.url}, OpenAI: {sim.url}/v1); Ctrl+C stops it", flush=True)
        stop = threading.Event()
        # SIGTERM (a parent ending it) stops it as Ctrl+C does: open connections are closed.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
