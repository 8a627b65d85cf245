"""The ``local`` backend: a GGUF model run by llama-cpp-python in child processes, no server at all.

The model lives in ``local_parallel`` child processes (``spawn``: no state of the window or its threads
is inherited), one model copy each; the window's process never loads it, so a long generation cannot
freeze the GUI and a crash of the native library ends only a child. Each child is an "endpoint" of the
ordinary :class:`~.llm.LLMSummarizer` through :class:`LocalProtocol`, so the local backend gets the same
prompts, completion mode for base models, grounding check, length handling, chunking, provenance
(backend ``local``, model = the file's name) and cache keys as the server backends.

Wire between parent and child (a :func:`multiprocessing.Pipe`)::

    parent → child   ("chat", messages, options) | ("complete", prompt, options) | ("capacity",)
    child → parent   ("text", str)* then ("done", prompt_tokens, completion_tokens, finish_reason)
                     | ("error", kind, message, n_ctx)      kind: overflow | load | failed
                     | ("capacity", n_ctx, has_chat_template, model_name)

Threads: each child serves one request at a time (its endpoint has one slot, so the pool never sends it
two); the parent's worker threads block on their child's pipe. :meth:`LocalRunner.close` (the
summarizer's ``interrupt`` at a stop, and its ``close``) ends every child: a request in flight then fails,
and is reported as :class:`~.base.SummarizerStoppedError` (the chapter goes back to the backlog).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx

from .base import BackendUnavailableError, BadRequestError, ContextOverflowError, ServerError
from .breaker import CircuitBreaker
from .llm import LLMSummarizer
from .protocol import ChatChunk, ChatOptions, ServerCapacity
from .routing import Endpoint, EndpointPool

log = logging.getLogger(__name__)

INSTALL_HINT = "The local backend needs llama-cpp-python: pip install 'chapterwise[local]'."


def check_model_file(path: Path | None) -> Path:
    """The model file, or a :class:`~.base.BadRequestError` saying what is wrong with it."""
    if path is None:
        raise BadRequestError(
            "The local backend needs a model file: choose a .gguf file in Settings ▸ Model file, "
            "or pass --model-file (CHAPTERWISE_MODEL_FILE)."
        )
    path = Path(path).expanduser()
    if not path.is_file():
        raise BadRequestError(f"The model file {path} does not exist.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        raise BadRequestError(f"{path} is not a GGUF model file (llama.cpp's format, usually named *.gguf).")
    return path


class _Child:
    """One child process and the parent's end of its pipe."""

    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn


class LocalRunner:
    """Starts the children on first use and hands each request to the child of its endpoint. Thread-safe."""

    def __init__(
        self, model_file: Path | None, *, parallel: int = 1, n_ctx: int = 4096, threads: int | None = None
    ) -> None:
        self.model_file = model_file
        self.parallel = max(1, parallel)
        self.n_ctx = n_ctx
        self.threads = threads or max(1, (os.cpu_count() or 2) // self.parallel)
        self._lock = threading.Lock()
        self._children: dict[str, _Child] = {}
        self._closed = False

    @property
    def name(self) -> str:
        return self.model_file.name if self.model_file else "model.gguf"

    def urls(self) -> list[str]:
        return [f"local://{self.name}#{i}" for i in range(self.parallel)]

    def pids(self) -> list[int]:
        """Process ids of the running children (for tests and ``inspect``)."""
        with self._lock:
            return [c.process.pid for c in self._children.values() if c.process.pid and c.process.is_alive()]

    def _child(self, url: str) -> _Child:
        model_file = check_model_file(self.model_file)  # a clear message before any process starts
        with self._lock:
            if self._closed:
                raise BackendUnavailableError("The local model was stopped.")
            child = self._children.get(url)
            if child is not None and child.process.is_alive():
                return child
            ctx = multiprocessing.get_context("spawn")
            parent, child_end = ctx.Pipe()
            process = ctx.Process(
                target=_serve,
                args=(child_end, str(model_file), self.n_ctx, self.threads),
                name=f"chapterwise-local-{url.rsplit('#', 1)[-1]}",
                daemon=True,
            )
            process.start()
            child_end.close()
            child = _Child(process, parent)
            self._children[url] = child
            log.info("Started local model process %s for %s", process.pid, self.model_file)
            return child

    def request(self, url: str, message: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """Send one request to ``url``'s child and yield its replies until the last one."""
        child = self._child(url)
        try:
            child.conn.send(message)
            while True:
                reply = child.conn.recv()
                yield reply
                if reply[0] != "text":
                    return
        except (EOFError, OSError, BrokenPipeError) as err:
            with self._lock:
                closed = self._closed
                self._children.pop(url, None)
            if closed:
                raise BackendUnavailableError("The local model was stopped.") from err
            code = child.process.exitcode
            raise ServerError(f"The local model process ended unexpectedly (exit code {code}).") from err

    def close(self) -> None:
        """End every child (a request in flight fails); safe to call twice."""
        with self._lock:
            self._closed = True
            children, self._children = list(self._children.values()), {}
        for child in children:
            child.process.terminate()
        for child in children:
            child.process.join(5)
            if child.process.is_alive():
                child.process.kill()
                child.process.join(5)
            child.conn.close()


class LocalSummarizer(LLMSummarizer):
    """The LLM summarizer over local children; ``close`` (shutdown, cancel) ends them."""

    cpu_bound = True  # the model runs on this machine's cores

    def __init__(self, runner: LocalRunner, model: str, **kwargs: Any) -> None:
        endpoints = [
            Endpoint(url=url, client=httpx.Client(), breaker=CircuitBreaker(), slots=1) for url in runner.urls()
        ]
        super().__init__(LocalProtocol(runner), EndpointPool(endpoints), model, **kwargs)
        self.runner = runner

    def interrupt(self) -> None:
        """A stop's deadline is near: end the children (a generation in native code cannot be cut otherwise)."""
        self.pool.interrupt()
        self.runner.close()

    def close(self) -> None:
        self.runner.close()
        super().close()


class LocalProtocol:
    """:class:`~.protocol.ChatProtocol` over :class:`LocalRunner` children (the ``client`` is unused)."""

    name = "local"

    def __init__(self, runner: LocalRunner) -> None:
        self.runner = runner

    def normalize_url(self, url: str) -> str:
        return url

    def stream_chat(
        self, client: httpx.Client, *, endpoint: str, model: str, messages: list[dict[str, str]], options: ChatOptions
    ) -> Iterator[ChatChunk]:
        yield from self._stream(endpoint, ("chat", messages, _options(options)))

    def stream_completion(
        self, client: httpx.Client, *, endpoint: str, model: str, prompt: str, options: ChatOptions
    ) -> Iterator[ChatChunk]:
        yield from self._stream(endpoint, ("complete", prompt, _options(options)))

    def _stream(self, endpoint: str, message: tuple[Any, ...]) -> Iterator[ChatChunk]:
        for reply in self.runner.request(endpoint, message):
            kind = reply[0]
            if kind == "text":
                yield ChatChunk(text=str(reply[1]))
            elif kind == "done":
                yield ChatChunk(done=True, prompt_tokens=reply[1], completion_tokens=reply[2], finish_reason=reply[3])
            else:
                raise _child_error(reply)

    def list_models(self, client: httpx.Client, *, endpoint: str) -> list[str]:
        return [self.runner.name]

    def capacity(self, client: httpx.Client, *, endpoint: str, model: str) -> ServerCapacity:
        for reply in self.runner.request(endpoint, ("capacity",)):
            if reply[0] == "capacity":
                return ServerCapacity(url=endpoint, n_ctx=reply[1], slots=1, model=reply[3], chat_template=reply[2])
            raise _child_error(reply)
        return ServerCapacity(url=endpoint, slots=1)


def _options(options: ChatOptions) -> dict[str, Any]:
    return {
        "max_tokens": options.max_tokens,
        "temperature": options.temperature,
        "stop": list(options.stop),
        "json_schema": options.json_schema,
    }


def _child_error(reply: tuple[Any, ...]) -> Exception:
    if reply[0] != "error":
        return ServerError(f"The local model process sent {reply[0]!r}")
    kind, message = reply[1], str(reply[2])
    if kind == "overflow":
        return ContextOverflowError(f"The text is longer than the local model's context: {message}", n_ctx=reply[3])
    if kind == "load":
        return BadRequestError(message)
    return ServerError(f"The local model failed: {message}")


# --- the child process (runs in a fresh interpreter: imports stay local)


def _serve(conn: Connection, model_file: str, n_ctx: int, threads: int) -> None:
    """The child's loop: load the model once, then answer requests until the pipe closes."""
    try:
        from llama_cpp import Llama
    except ImportError:
        _reply_forever(conn, ("error", "load", INSTALL_HINT, None))
        return
    try:
        llm = Llama(model_path=model_file, n_ctx=n_ctx, n_threads=threads, verbose=False)
    except Exception as err:  # the native loader says little more than "failed to load"
        _reply_forever(conn, ("error", "load", f"The model file {model_file} could not be loaded: {err}", None))
        return
    template = llm.metadata.get("tokenizer.chat_template")
    name = llm.metadata.get("general.name") or Path(model_file).name
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if message[0] == "capacity":
                conn.send(("capacity", llm.n_ctx(), bool(template), name))
            else:
                _generate(conn, llm, message)
        except ValueError as err:  # llama-cpp-python: "Requested tokens (N) exceed context window of M"
            conn.send(("error", "overflow" if "context window" in str(err) else "failed", str(err), llm.n_ctx()))
        except Exception as err:
            conn.send(("error", "failed", f"{type(err).__name__}: {err}", None))


def _generate(conn: Connection, llm: Any, message: tuple[Any, ...]) -> None:
    kind, payload, options = message
    schema = options.get("json_schema")
    common: dict[str, Any] = {
        "max_tokens": options["max_tokens"],
        "temperature": options["temperature"],
        "stop": options["stop"] or None,
        "stream": True,
    }
    if kind == "chat":
        if schema is not None:
            common["response_format"] = {"type": "json_object", "schema": schema}
        prompt_tokens = None
        stream = llm.create_chat_completion(messages=payload, **common)
    else:
        if schema is not None:
            import json

            from llama_cpp.llama_grammar import LlamaGrammar

            common["grammar"] = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        prompt_tokens = len(llm.tokenize(payload.encode("utf-8")))
        stream = llm.create_completion(prompt=payload, **common)
    produced = 0
    finish = None
    for chunk in stream:
        choice = chunk["choices"][0]
        text = (choice.get("delta") or {}).get("content") if kind == "chat" else choice.get("text")
        if text:
            produced += 1
            conn.send(("text", text))
        finish = choice.get("finish_reason") or finish
    conn.send(("done", prompt_tokens, produced, finish or "stop"))


def _reply_forever(conn: Connection, reply: tuple[Any, ...]) -> None:
    """A child that cannot load the model answers every request with the reason, until the pipe closes."""
    while True:
        try:
            conn.recv()
            conn.send(reply)
        except (EOFError, OSError):
            return
