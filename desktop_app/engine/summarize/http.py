"""HTTP plumbing shared by the LLM backends: clients, error mapping, line streaming.

Every failure an LLM server can produce is turned into one of the errors of :mod:`.base`, whose tree
is what the pipeline acts on::

    httpx / server outcome                     raised as
    ─────────────────────────────────────────  ──────────────────────────────────────────
    429 Too Many Requests (+ Retry-After)       RateLimitedError(retry_after=seconds)
    503 "Loading model" (llama.cpp starting)    ServerLoadingError (a ServerBusyError)
    503 Service Unavailable (queue full)        ServerBusyError (retry_after when sent)
    500, 502, 504, other 5xx                    ServerError
    {"error": ...} line in a 200 stream         ServerError, or ContextOverflowError as above
    401 / 403                                   BadRequestError (the key is wrong or missing)
    404 for a model                             ModelNotFoundError
    404 for a listing (wrong URL or dialect)    BadRequestError saying which API is missing
    400 exceed_context_size_error (or "context  ContextOverflowError (chunking splits the text again)
        size"/"too long" in the message)
    other 4xx                                   BadRequestError (with the server's message)
    httpx.TimeoutException                      BackendTimeoutError
    httpx.ConnectError, NetworkError            BackendUnavailableError
    httpx.RemoteProtocolError (cut stream)      ServerError
    a line that is not JSON / a bad shape       MalformedAnswerError (internal; retried, then
                                                InvalidResponseError)

Functions here are stateless and thread-safe; an ``httpx.Client`` is itself safe to share between
threads, which is how :mod:`.routing` uses one client per endpoint.
"""

from __future__ import annotations

import email.utils
import itertools
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from .base import (
    BackendTimeoutError,
    BackendUnavailableError,
    BadRequestError,
    ContextOverflowError,
    ModelNotFoundError,
    RateLimitedError,
    ServerBusyError,
    ServerError,
    ServerLoadingError,
    SummarizerError,
)

USER_AGENT = "chapterwise"
#: Connections kept per endpoint's client (the client's own, or a transport's it is given).
CLIENT_LIMITS = httpx.Limits(max_connections=64, max_keepalive_connections=16)


class MalformedAnswerError(Exception):
    """An answer that cannot be used (bad JSON line, empty text, bad clause JSON).

    Internal: the LLM backend retries the request and, when retries are spent, raises
    :class:`~.base.InvalidResponseError` with a message for the user.
    """


def make_client(
    base_url: str,
    *,
    timeout: float,
    connect_timeout: float = 5.0,
    headers: dict[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """One client per endpoint: explicit timeouts, keep-alive pool, optional test transport.

    ``timeout`` bounds each read (the gap between two streamed chunks), not the whole answer:
    a slow model that keeps streaming is not cut off.
    """
    all_headers = {"User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
        headers=all_headers,
        transport=transport,
        limits=CLIENT_LIMITS,
    )


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def server_message(response: httpx.Response) -> str:
    """The error text a server sent: Ollama's ``{"error": "..."}`` or OpenAI's ``{"error": {"message"}}``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text.strip()[:300]
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:300]
    return str(body)[:300]


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def context_overflow(error: dict[str, Any], message: str, *, endpoint: str) -> ContextOverflowError | None:
    """A :class:`ContextOverflowError` when a server's error says the request does not fit, else None."""
    kind = str(error.get("type") or error.get("code") or "")
    lowered = message.lower()
    if kind != "exceed_context_size_error" and not (
        "context" in lowered and any(w in lowered for w in ("exceed", "too long", "too large", "size"))
    ):
        return None
    n_ctx = error.get("n_ctx")
    prompt = error.get("n_prompt_tokens")
    return ContextOverflowError(
        f"The text is longer than the model's context at {endpoint}: {message}",
        n_ctx=int(n_ctx) if isinstance(n_ctx, int | float) else None,
        prompt_tokens=int(prompt) if isinstance(prompt, int | float) else None,
    )


def raise_for_status(response: httpx.Response, *, endpoint: str, model: str) -> None:
    """Raise the :mod:`.base` error for a non-2xx answer. Reads the body of a streamed response.

    ``model`` is empty for requests that name no model (listings, capacity): their 404 means the URL
    or the server's dialect is wrong, never that a model is missing.
    """
    status = response.status_code
    if status < 400:
        return
    response.read()
    message = server_message(response)
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 429:
        raise RateLimitedError(f"The server at {endpoint} asks to slow down (429): {message}", retry_after)
    if status == 503 and "loading" in message.lower():
        raise ServerLoadingError(
            f"The server at {endpoint} is loading its model (503): requests wait until it is ready.",
            retry_after if retry_after is not None else 2.0,
        )
    if status == 503:
        raise ServerBusyError(f"The server at {endpoint} is busy (503, its queue is full): {message}", retry_after)
    if status >= 500:
        raise ServerError(f"The server at {endpoint} failed ({status}): {message}")
    if status in (401, 403):
        raise BadRequestError(
            f"The server at {endpoint} refused the request ({status}): {message}. "
            "Check the API key (CHAPTERWISE_API_KEY)."
        )
    if status == 404 and not model:
        raise BadRequestError(
            f"The server at {endpoint} has no {response.request.url.path} (404): check the URL, and that the "
            "backend matches the server (ollama for Ollama, openai for llama.cpp, LM Studio, vLLM and others)."
        )
    if status == 404:
        raise ModelNotFoundError(
            f"The model {model!r} was not found at {endpoint}: {message}. "
            "Install it on the server (for Ollama: `ollama pull <model>`) or set CHAPTERWISE_MODEL."
        )
    overflow = context_overflow(_error_body(response), message, endpoint=endpoint) if status in (400, 413) else None
    if overflow is not None:
        raise overflow
    raise BadRequestError(f"The server at {endpoint} rejected the request ({status}): {message}")


def map_transport_error(exc: httpx.HTTPError, *, endpoint: str) -> SummarizerError:
    """Turn an httpx transport failure into a :mod:`.base` error."""
    if isinstance(exc, httpx.TimeoutException):
        return BackendTimeoutError(f"The server at {endpoint} did not answer in time ({type(exc).__name__}).")
    if isinstance(exc, httpx.RemoteProtocolError):
        return ServerError(f"The server at {endpoint} closed the connection mid-answer: {exc}")
    if isinstance(exc, httpx.TransportError):
        return BackendUnavailableError(f"Cannot reach the server at {endpoint}: {exc or type(exc).__name__}")
    return ServerError(f"HTTP error talking to {endpoint}: {exc}")


def reported_ms(values: Iterable[Any], *, unit_ms: float = 1.0) -> float | None:
    """The sum of the durations a server reported (its non-negative numbers among ``values``), in ms.

    ``unit_ms`` is what one unit of them is in ms (Ollama's nanoseconds: 1e-6). None where it reported none.
    """
    numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0]
    return sum(numbers) * unit_ms if numbers else None


#: The most lines read past a stream's last message before its connection is given up instead.
_TRAILING_LINES = 16


def finish_stream(lines: Iterator[Any]) -> None:
    """Read the rest of a stream whose answer is complete, so that its connection is kept for the next request.

    httpx puts a connection back in its pool only once its response was read to the end; a stream left at its
    last message (Ollama's ``done``, OpenAI's ``[DONE]``) is closed instead, and the next request opens a new
    connection: a new TCP connection to a local server each chapter, a new TLS handshake to a remote one.
    What follows the last message is normally only the body's end (on llama.cpp's server, one empty line and
    the body's end). Anything else is ignored, and a failure to read it costs only the connection: the
    answer is already whole. A server that kept the body open past its last message would hold the answer
    until the read timeout.
    """
    try:
        for _ in itertools.islice(lines, _TRAILING_LINES):
            pass
    except (httpx.HTTPError, MalformedAnswerError):
        pass


def iter_ndjson(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """Yield each JSON object of a newline-delimited JSON stream (Ollama)."""
    for raw in response.iter_lines():
        line = raw.strip()
        if not line:
            continue
        yield _load_object(line)


def iter_sse(response: httpx.Response) -> Iterator[dict[str, Any] | None]:
    """Yield each ``data:`` JSON payload of a server-sent-events stream, then ``None`` for ``data: [DONE]``.

    A stream that ends without ``[DONE]`` simply stops, so the caller can tell a cut stream apart.
    """
    lines = response.iter_lines()
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(":"):
            continue  # blank separator or SSE comment (keep-alive)
        if not line.startswith("data:"):
            continue  # event:, id:, retry: fields carry nothing we use
        payload = line[5:].strip()
        if payload == "[DONE]":
            finish_stream(lines)  # before the last yield: the caller stops reading at it
            yield None
            return
        yield _load_object(payload)


def _load_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise MalformedAnswerError(f"not JSON: {text[:80]!r}") from err
    if not isinstance(value, dict):
        raise MalformedAnswerError(f"not a JSON object: {text[:80]!r}")
    return value
