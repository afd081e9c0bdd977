"""A minimal FastCGI client (responder role), enough to talk to a long-lived `mapserv`.

One request per connection: the client sends BEGIN_REQUEST, the parameters and an empty
stdin, then reads stdout records until END_REQUEST. The answer is CGI output: headers, a
blank line and the body.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1
HEADER = struct.Struct("!BBHHBx")
MAX_CONTENT = 65535
REQUEST_ID = 1


class FastCGIError(Exception):
    """The FastCGI application could not be reached or broke the protocol."""


@dataclass
class CGIResponse:
    """A parsed CGI answer."""

    headers: dict[str, str]
    body: bytes
    stderr: bytes = b""
    status: int = 200
    extra: dict = field(default_factory=dict)


def _length(n: int) -> bytes:
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def encode_params(params: dict[str, str]) -> bytes:
    """Name-value pairs as FastCGI encodes them."""
    out = bytearray()
    for name, value in params.items():
        key, val = name.encode("latin-1"), value.encode("latin-1", "replace")
        out += _length(len(key)) + _length(len(val)) + key + val
    return bytes(out)


def record(kind: int, content: bytes = b"") -> bytes:
    """One record, padded to a multiple of 8 bytes."""
    padding = -len(content) % 8
    return HEADER.pack(VERSION, kind, REQUEST_ID, len(content), padding) + content + b"\0" * padding


def _stream(kind: int, content: bytes) -> bytes:
    chunks = [content[i:i + MAX_CONTENT] for i in range(0, len(content), MAX_CONTENT)]
    return b"".join(record(kind, chunk) for chunk in chunks) + record(kind)


def request_bytes(params: dict[str, str], stdin: bytes = b"") -> bytes:
    """Everything the client sends for one request."""
    begin = struct.pack("!HB5x", RESPONDER, 0)
    return record(BEGIN_REQUEST, begin) + _stream(PARAMS, encode_params(params)) + \
        _stream(STDIN, stdin)


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise FastCGIError("ligação fechada a meio da resposta")
        data += chunk
    return bytes(data)


def read_response(sock: socket.socket) -> tuple[bytes, bytes]:
    """Read records until END_REQUEST; returns (stdout, stderr)."""
    out, err = bytearray(), bytearray()
    while True:
        _, kind, _, length, padding = HEADER.unpack(_read_exact(sock, HEADER.size))
        content = _read_exact(sock, length + padding)[:length]
        if kind == STDOUT:
            out += content
        elif kind == STDERR:
            err += content
        elif kind == END_REQUEST:
            return bytes(out), bytes(err)


def header_name(name: str) -> str:
    """Header names as MapProxy's clients spell them ("Content-type")."""
    name = name.strip()
    return name[:1].upper() + name[1:].lower()


def split_cgi(output: bytes) -> tuple[dict[str, str], bytes]:
    """Split CGI output into headers and body."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, sep, body = output.partition(separator)
        if sep and b":" in head.split(b"\n", 1)[0]:
            break
    else:
        return {}, output
    headers = {}
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        headers[header_name(name)] = value.strip()
    return headers, body


def parse_cgi(output: bytes, stderr: bytes = b"") -> CGIResponse:
    headers, body = split_cgi(output)
    status = headers.get("Status", "200").split(" ", 1)[0]
    return CGIResponse(headers, body, stderr, int(status) if status.isdigit() else 200)


def call(address: str, params: dict[str, str], timeout: float) -> CGIResponse:
    """One FastCGI request to a Unix socket (a leading NUL: the abstract namespace)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            sock.sendall(request_bytes(params))
            stdout, stderr = read_response(sock)
        except OSError as exc:  # refused, reset, timeout
            raise FastCGIError(f"MapServer não respondeu: {exc}") from exc
    return parse_cgi(stdout, stderr)
