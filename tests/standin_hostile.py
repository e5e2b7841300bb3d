"""Hostile HTTP servers on 127.0.0.1 for fault tests: trickling, echoing, redirecting, oversized.

Each server is a real TCP listener whose answer a test scripts with a function
`answer(request, conn)`: `request` is the raw request (head and body) as text, `conn` the socket.
The helpers below build the answers the E-utilities client must survive.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

Answer = Callable[[str, socket.socket], None]


class HostileServer:
    """A threaded TCP server that reads one HTTP request per connection and runs `answer`."""

    def __init__(self, answer: Answer, host: str = "127.0.0.1") -> None:
        self.answer = answer
        self.requests: list[str] = []
        self.sent = 0  # body bytes written by the helpers (trickle, oversized)
        self._sock = socket.create_server((host, 0))
        self.host, self.port = host, self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """Base URL in the shape of E-utilities'."""
        return f"http://{self.host}:{self.port}/entrez/eutils/"

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = _read_request(conn)
                with self._lock:
                    self.requests.append(request)
                self.answer(request, conn)
            except OSError:
                pass  # the client gave up or cut the connection: that is the point

    def count(self, n: int) -> None:
        """Record n more body bytes sent."""
        with self._lock:
            self.sent += n


def _read_request(conn: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return (head + b"\r\n\r\n" + body).decode("utf-8", "replace")


def response(status: str, body: bytes, content_type: str = "text/xml", **headers: str) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection."""
    lines = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}",
             f"Content-Length: {len(body)}", "Connection: close"]  # fmt: skip
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


ESEARCH_OK = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>1</Count><RetMax>1</RetMax>'
    b"<RetStart>0</RetStart><IdList><Id>123</Id></IdList></eSearchResult>"
)


def trickle(server: HostileServer, payload: bytes, delay: float, *, head_at_once: bool) -> Answer:
    """Send `payload` one byte every `delay` seconds (after the head at once, if asked)."""

    def answer(request: str, conn: socket.socket) -> None:
        data = response("200 OK", payload)
        head_end = data.index(b"\r\n\r\n") + 4
        if head_at_once:
            conn.sendall(data[:head_end])
            data = data[head_end:]
        for i in range(len(data)):
            conn.sendall(data[i : i + 1])
            server.count(1)
            time.sleep(delay)

    return answer


def oversized(server: HostileServer, total: int, *, announce: bool) -> Answer:
    """An XML-looking answer of `total` bytes, with or without a Content-Length."""

    def answer(request: str, conn: socket.socket) -> None:
        head = ["HTTP/1.1 200 OK", "Content-Type: text/xml", "Connection: close"]
        if announce:
            head.append(f"Content-Length: {total}")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        block = b"<PubmedArticleSet>" + b"x" * 65518
        sent = 0
        while sent < total:
            piece = block[: total - sent]
            conn.sendall(piece)
            sent += len(piece)
            server.count(len(piece))

    return answer


def echo(status: str, wrap_error: bool) -> Answer:
    """Answer with the whole request echoed back (in an NCBI `<ERROR>`, or as plain text)."""

    def answer(request: str, conn: socket.socket) -> None:
        head, _, body = request.partition("\r\n\r\n")
        request = f"{body} {head}"  # the form fields (api_key among them) first
        if wrap_error:
            body = f"<eSearchResult><ERROR>Invalid query: {request}</ERROR></eSearchResult>"
            conn.sendall(response(status, body.encode()))
        else:
            conn.sendall(response(status, f"Bad request: {request}".encode(), "text/plain"))

    return answer


def redirect(location: str, status: str = "307 Temporary Redirect") -> Answer:
    """Answer every request with a redirect to `location`."""

    def answer(request: str, conn: socket.socket) -> None:
        conn.sendall(response(status, b"", Location=location))

    return answer


def gzip_bomb(decoded: int) -> Answer:
    """A small gzip answer that inflates to `decoded` bytes of XML-looking text."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    block = b"<PubmedArticleSet>" + b" " * ((1 << 20) - 18)
    body = b"".join(packer.compress(block) for _ in range(decoded >> 20)) + packer.flush()

    def answer(request: str, conn: socket.socket) -> None:
        conn.sendall(response("200 OK", body, Content_Encoding="gzip"))

    return answer
