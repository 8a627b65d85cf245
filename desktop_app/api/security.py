"""What locks the local API down: the Bearer token, the Host check and the request-size cap.

The checks are plain ASGI middleware, so they guard HTTP and WebSocket routes alike and run before any
route code (and before a request body is read):

* :class:`HostCheckMiddleware` answers 421 unless the ``Host`` header names this machine (``localhost``,
  ``127.0.0.1``, ``[::1]`` or the bind address, any port). A web page the user visits cannot reach the
  API through DNS rebinding: its requests carry the attacker's host name.
* :class:`TokenMiddleware` answers 401 unless ``Authorization: Bearer <token>`` matches (compared in
  constant time). ``/health`` is open. Event streams and the docs page also take ``?token=`` because a
  browser's ``EventSource`` and ``WebSocket`` cannot set headers.
* :class:`BodyLimitMiddleware` answers 413 as soon as a request body passes the upload limit, whether or
  not it declared a ``Content-Length``.

The token is made with :func:`secrets.token_urlsafe` at first start and kept in ``<data_dir>/api_token``
(mode 0600); ``CHAPTERWISE_API_TOKEN`` replaces it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import parse_qs

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from desktop_app.config import Settings
from desktop_app.engine.private import private_dir

log = logging.getLogger(__name__)

TOKEN_FILE = "api_token"
OPEN_PATHS = frozenset({"/health"})
#: Routes a browser opens without being able to set headers: they also accept ``?token=``.
QUERY_TOKEN_PATHS = frozenset({"/api/events", "/api/ws", "/docs", "/openapi.json"})


# --- the token


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def load_or_create_token(settings: Settings) -> tuple[str, str]:
    """The API token and where it comes from (``CHAPTERWISE_API_TOKEN`` or the token file's path).

    The file is created with mode 0600 (owner only) on first use; an existing file with wider permissions
    is narrowed.
    """
    if settings.api_token is not None and settings.api_token.get_secret_value().strip():
        return settings.api_token.get_secret_value().strip(), "CHAPTERWISE_API_TOKEN"
    path = token_path(settings)
    if path.is_file():
        token = path.read_text(encoding="utf-8").strip()
        if token:
            if os.name == "posix" and path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return token, str(path)
    private_dir(path.parent, ours=False)  # created owner-only; a folder the user chose keeps its mode
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    if os.name == "posix":
        path.chmod(0o600)  # O_CREAT's mode is masked by the umask; make sure
    log.info("Generated a new API token in %s", path)
    return token, str(path)


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and secrets.compare_digest(expected.encode(), given.encode())


# --- responses made before routing


def error_body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": code, "message": message, "status": status}).encode()


async def send_error(
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    status: int,
    code: str,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer with a JSON error (HTTP) or close the handshake (WebSocket, which has no body)."""
    body = error_body(status, code, message)
    prefix = "http."
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        if "websocket.http.response" not in (scope.get("extensions") or {}):
            # Without the denial-response extension the handshake can only be closed (HTTP 403).
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
            return
        prefix = "websocket.http."
    await send(
        {
            "type": prefix + "response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": prefix + "response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return str(value.decode("latin-1"))
    return None


# --- Host


def host_name(host_header: str) -> str:
    """The host name of a ``Host`` header, without port; IPv6 literals keep their brackets stripped."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 0 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(bind_host: str) -> frozenset[str]:
    names = {"localhost", "127.0.0.1", "::1"}
    bind = host_name(bind_host)
    if bind:
        names.add(bind)
    return frozenset(names)


class HostCheckMiddleware:
    """Rejects requests whose ``Host`` is not a local name (421, JSON): the DNS-rebinding guard."""

    def __init__(self, app: ASGIApp, *, allowed: frozenset[str]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = _header(scope, b"host")
            if host is None or host_name(host) not in self.allowed:
                log.warning("Refused a request for host %r (only local names are served)", host)
                await send_error(
                    scope,
                    receive,
                    send,
                    status=421,
                    code="host_not_allowed",
                    message=f"This API only answers requests addressed to this computer "
                    f"({', '.join(sorted(self.allowed))}), not to {host!r}.",
                )
                return
        await self.app(scope, receive, send)


# --- token


class TokenMiddleware:
    """Requires the Bearer token on every route except ``/health`` (401, JSON, ``WWW-Authenticate``)."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)  # CORS preflights carry no credentials
            return
        given = self._given(scope)
        if not token_matches(self.token, given):
            message = (
                "Missing API token: send 'Authorization: Bearer <token>'."
                if given is None
                else "The API token is not valid."
            )
            await send_error(
                scope,
                receive,
                send,
                status=401,
                code="unauthorized",
                message=message + " The token is shown in the window's API menu and stored in the "
                "data directory's api_token file.",
                headers=[(b"www-authenticate", b'Bearer realm="chapterwise"')],
            )
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _given(scope: Scope) -> str | None:
        header = _header(scope, b"authorization")
        if header:
            scheme, _, value = header.partition(" ")
            return value.strip() if scheme.lower() == "bearer" else None
        if scope["path"] in QUERY_TOKEN_PATHS:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            values = query.get("token")
            return values[0] if values else None
        return None


# --- body size


class BodyTooLargeError(HTTPException):
    """A request body passed the upload limit (an HTTPException, so FastAPI's form parsing lets it through)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


class BodyLimitMiddleware:
    """Caps request bodies at ``limit`` bytes: 413 at once on a large ``Content-Length``, else while reading.

    Past the limit the rest of the body is read and dropped (up to ``drain`` bytes), so the client reads
    the 413 instead of a reset connection.
    """

    def __init__(self, app: ASGIApp, *, limit: int, file_limit_mb: int, drain: int = 64 << 20) -> None:
        self.app = app
        self.limit = limit
        self.file_limit_mb = file_limit_mb
        self.drain = drain

    def _message(self) -> str:
        return f"The upload is larger than the limit of {self.file_limit_mb} MB (CHAPTERWISE_MAX_FILE_MB)."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared and declared.isdigit() and int(declared) > self.limit:
            await self._drain(receive, 0)
            await send_error(scope, receive, send, status=413, code="too_large", message=self._message())
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    if message.get("more_body"):
                        await self._drain(receive, seen)
                    raise BodyTooLargeError(self._message())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError as err:
            if started:
                raise
            await send_error(scope, receive, send, status=413, code="too_large", message=str(err.detail))

    async def _drain(self, receive: Receive, seen: int) -> None:
        while seen < self.drain:
            message = await receive()
            if message["type"] != "http.request":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body"):
                return


# --- file names

_UNSAFE = re.compile(r"[^\w.\- ()\[\]+,&']", re.UNICODE)


def sanitize_file_name(name: str | None, default: str = "upload") -> str:
    """A file name safe to show and store: no folders, no control characters, no leading dots, ≤ 200 chars."""
    raw = unicodedata.normalize("NFC", name or "")
    raw = PureWindowsPath(PurePosixPath(raw.replace("\x00", "")).name).name  # drops "a/b", "C:\\x", "..\\y"
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    cleaned = _UNSAFE.sub("_", cleaned).strip(" .")
    cleaned = re.sub(r"_{2,}", "_", cleaned)
    if not cleaned or cleaned in (".", ".."):
        return default
    if len(cleaned) > 200:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else cleaned[:200]
    return cleaned
