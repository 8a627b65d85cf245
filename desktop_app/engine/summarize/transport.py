"""An HTTP transport whose requests in flight can be cut at once: what makes a stop keep its deadline.

A worker thread waiting for a model's answer sits in a blocking ``recv`` inside httpcore; closing the
``httpx.Client`` from another thread does not wake it (the read ends only when the server answers, which
for a slow model is minutes away). :class:`CuttableTransport` is an ``httpx.HTTPTransport`` whose
connection pool opens its sockets through :class:`_CuttingBackend`, which remembers every stream it opened
(TLS streams included: they replace their plain stream). :meth:`CuttableTransport.cut` shuts those sockets
down (``shutdown(SHUT_RDWR)``), which on Linux, macOS and Windows wakes a blocked ``recv`` with an end of
stream: the request fails at once with an httpx transport error, and the caller, knowing it is stopping,
reports it as stopped (see :func:`~.routing.call_with_retries`).

An endpoint the environment sends through a proxy (``HTTPS_PROXY``, ``ALL_PROXY``, … and not ``NO_PROXY``)
keeps httpx's own transport (:func:`proxied`): httpx reads the proxy settings only when it builds the
transport itself, and reaching the server matters more than a prompt stop.

A connection the server closed while it sat in the pool is not an error of the request sent on it: that
request is sent again on another connection (:meth:`CuttableTransport.handle_request`).

Thread-safe: :meth:`CuttableTransport.cut` is called from the stopping thread while workers read.
"""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
import urllib.request
import weakref
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

log = logging.getLogger(__name__)

#: How many times a request that found its kept connection closed by the server is sent again on another.
STALE_RETRIES = 2


class _Streams:
    """The streams a transport opened and that are still alive (weakly held: closed ones drop out)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: weakref.WeakSet[_CuttableStream] = weakref.WeakSet()
        self._opened = threading.local()  # streams opened by each thread (httpcore connects on the caller's)
        self.cuts = 0  # how many times :meth:`cut` ran

    def add(self, stream: _CuttableStream) -> None:
        with self._lock:
            self._streams.add(stream)
        self._opened.count = self.opened_here() + 1

    def opened_here(self) -> int:
        """How many streams the calling thread has opened so far."""
        count: int = getattr(self._opened, "count", 0)
        return count

    def discard(self, stream: _CuttableStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def cut(self) -> int:
        with self._lock:
            streams = list(self._streams)
            self.cuts += 1
        return sum(1 for stream in streams if stream.shutdown())


class _CuttableStream(httpcore.NetworkStream):
    """A network stream that can be shut down from another thread; everything else is the inner stream's."""

    def __init__(self, inner: httpcore.NetworkStream, streams: _Streams) -> None:
        self._inner = inner
        self._streams = streams
        streams.add(self)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._streams.discard(self)
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        self._streams.discard(self)  # the TLS stream owns the socket from here on
        return _CuttableStream(self._inner.start_tls(ssl_context, server_hostname, timeout), self._streams)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def shutdown(self) -> bool:
        """Shut the socket down both ways (a blocked read returns at once); False if it was closed already."""
        sock = self._inner.get_extra_info("socket")
        if not isinstance(sock, socket.socket) or sock.fileno() == -1:
            return False
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # not connected any more: nothing is waiting on it
            return False
        return True


class _CuttingBackend(httpcore.NetworkBackend):
    """httpcore's own synchronous backend, with every stream it opens remembered for :meth:`_Streams.cut`."""

    def __init__(self, streams: _Streams) -> None:
        self._inner = httpcore.SyncBackend()
        self._streams = streams

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _CuttableStream(stream, self._streams)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _CuttableStream(self._inner.connect_unix_socket(path, timeout, socket_options), self._streams)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _ssl_context(verify: bool) -> ssl.SSLContext:
    """One TLS context for every client: building one reads the CA bundle (tens of ms), and they are shared safely."""
    return httpx.create_ssl_context(verify=verify)


class CuttableTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` (no proxy) whose requests in flight :meth:`cut` ends at once.

    httpx does not take a network backend, so the connection pool it built is replaced by one built the
    same way with :class:`_CuttingBackend`; everything else (request mapping, error mapping, streaming) is
    httpx's own.
    """

    def __init__(self, *, limits: httpx.Limits, verify: ssl.SSLContext | bool = True) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else _ssl_context(verify)
        super().__init__(limits=limits, verify=context)
        self._streams = _Streams()
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CuttingBackend(self._streams),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request``; where a kept connection turns out closed by the server, send it again on another.

        A server may close a connection it kept open at any moment (llama.cpp's does right after a
        stream); a request sent on it before the close reached this machine fails with no answer at all
        ("Server disconnected without sending a response", or a reset). httpx does not send it again, so
        this does, at most :data:`STALE_RETRIES` times, and only where nothing of the answer arrived, the
        attempt opened no connection of its own (so it was a kept one), no :meth:`cut` ran meanwhile, and
        the body can be sent again. A new connection that fails the same way is the server's own failure,
        and is raised.
        """
        for _ in range(STALE_RETRIES):
            opened, cuts = self._streams.opened_here(), self._streams.cuts
            try:
                return super().handle_request(request)
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as err:
                kept = self._streams.opened_here() == opened and self._streams.cuts == cuts
                if not kept or not isinstance(request.stream, httpx.ByteStream):
                    raise
                log.debug("The server closed a kept connection (%s): %s goes again on another", err, request.url)
        return super().handle_request(request)

    def cut(self) -> int:
        """Shut down every open connection: reads blocked on them fail at once. Returns how many were cut.

        The transport stays usable (a new request opens a new connection); the client is closed separately.
        """
        count = self._streams.cut()
        if count:
            log.debug("Cut %d open connection(s)", count)
        return count


def proxied(url: str) -> bool:
    """Whether the environment's proxy settings send requests for ``url`` through a proxy."""
    proxies = urllib.request.getproxies()
    parts = urlsplit(url)
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


__all__ = ["CuttableTransport", "proxied"]
