"""The LLM clients' transport: a kept connection the server closed is not the request's failure.

A server may close a connection it keeps open at any moment (llama.cpp's does right after each stream). A
request sent on it before the close reached the client gets no answer at all; httpx raises, and the request
would have cost a retry with its backoff, or the chapter. The server here is a small socketserver whose
behaviour is exact: it answers, keeps the connection, and then closes it without answering the next
request, as that race does.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from desktop_app.engine.summarize.transport import CuttableTransport

ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


class KeepThenDrop(socketserver.ThreadingTCPServer):
    """Serves HTTP/1.1 with kept connections; ``drop`` says which requests to close the connection on, unanswered.

    ``drop(connection, request)`` gets both counts from 1: ``(1, 2)`` is the second request of the first
    connection. ``requests`` lists what each connection received (request line and body).
    """

    daemon_threads = True

    def __init__(self, drop: Callable[[int, int], bool]) -> None:
        self.drop = drop
        self.requests: list[list[bytes]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Connection)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Connection(socketserver.StreamRequestHandler):
    server: KeepThenDrop

    def handle(self) -> None:
        srv = self.server
        with srv.lock:
            srv.requests.append(received := [])
            number = len(srv.requests)
        while request_line := self.rfile.readline().strip():
            length = 0
            while header := self.rfile.readline().strip():
                name, _, value = header.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            received.append(request_line + b" " + self.rfile.read(length))
            if srv.drop(number, len(received)):
                return  # closed without an answer
            self.wfile.write(ANSWER)


@contextmanager
def server(drop: Callable[[int, int], bool]) -> Iterator[KeepThenDrop]:
    with KeepThenDrop(drop) as srv:
        thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield srv
        finally:
            srv.shutdown()


def client() -> httpx.Client:
    return httpx.Client(transport=CuttableTransport(limits=httpx.Limits(max_connections=4)), timeout=5.0)


def test_a_request_on_a_kept_connection_the_server_closed_goes_again_on_a_new_one() -> None:
    with server(lambda conn, req: conn == 1 and req == 2) as srv, client() as http:
        assert http.post(srv.url + "/v1/chat/completions", json={"n": 1}).json() == {"ok": True}
        # The second request goes on the kept connection, which the server closes without an answer.
        assert http.post(srv.url + "/v1/chat/completions", json={"n": 2}).json() == {"ok": True}
        assert http.get(srv.url + "/health").json() == {"ok": True}
    assert [len(r) for r in srv.requests] == [2, 2], "the dropped request went again on a second connection"
    assert srv.requests[1][0] == srv.requests[0][1], "the same request, body and all"


def test_a_new_connection_closed_without_an_answer_is_the_servers_failure_and_is_not_sent_again() -> None:
    with server(lambda conn, req: True) as srv, client() as http, pytest.raises(httpx.RemoteProtocolError):
        http.post(srv.url + "/v1/chat/completions", json={"n": 1})
    assert [len(r) for r in srv.requests] == [1], "sent once: a server that drops a fresh request is not asked twice"


def test_each_request_dropped_on_its_kept_connection_is_answered_on_a_new_one() -> None:
    # Every connection answers its first request only: each request after the first goes out on a kept
    # connection, is dropped, and is sent again on a new one, which answers: twice each, never more.
    with server(lambda conn, req: req > 1) as srv, client() as http:
        for n in range(4):
            assert http.post(srv.url + "/x", json={"n": n}).status_code == 200
    assert sum(len(r) for r in srv.requests) == 7, "one request dropped for each of the three after the first"
