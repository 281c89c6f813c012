"""UrllibTransport against a real local HTTP server (stdlib only)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.transport import Response, TransportError, UrllibTransport, parse_body


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/api/v1/missing":
            self._answer(404, b'{"code": "not_found"}')
        elif self.path == "/api/v1/bytes":
            self._answer(200, b"\x89PNG", "image/png")
        else:
            echo = {"path": self.path, "auth": self.headers.get("Authorization")}
            self._answer(200, json.dumps(echo).encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        echo = {"type": self.headers.get("Content-Type"), "body": raw.decode()}
        self._answer(201, json.dumps(echo, ensure_ascii=False).encode())

    def do_PUT(self):
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        echo = {"range": self.headers.get("Content-Range"), "size": len(raw)}
        self._answer(503 if raw == b"fail" else 200, json.dumps(echo).encode())


@pytest.fixture(scope="module")
def base_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_json_round_trip_with_headers(base_url):
    transport = UrllibTransport(base_url)
    answer = transport.request(
        "GET", "/api/v1/x?cursor=1", headers={"Authorization": "Bearer fs_t"}
    )
    assert answer.status == 200
    assert answer.body == {"path": "/api/v1/x?cursor=1", "auth": "Bearer fs_t"}
    assert answer.headers["content-type"] == "application/json"


def test_post_json_is_utf8(base_url):
    answer = UrllibTransport(base_url).request("POST", "/api/v1/p", json={"note": "异味"})
    assert answer.status == 201
    assert answer.body["type"] == "application/json"
    assert json.loads(answer.body["body"]) == {"note": "异味"}


def test_put_bytes_with_content_range(base_url):
    answer = UrllibTransport(base_url).request(
        "PUT", "/api/v1/photos/x", data=b"abc", headers={"Content-Range": "bytes 0-2/3"}
    )
    assert answer.body == {"range": "bytes 0-2/3", "size": 3}


def test_error_statuses_are_returned_not_raised(base_url):
    transport = UrllibTransport(base_url)
    missing = transport.request("GET", "/api/v1/missing")
    assert (missing.status, missing.body) == (404, {"code": "not_found"})
    unavailable = transport.request("PUT", "/api/v1/p", data=b"fail")
    assert unavailable.status == 503


def test_non_json_body_keeps_the_bytes(base_url):
    answer = UrllibTransport(base_url).request("GET", "/api/v1/bytes")
    assert answer.body is None
    assert answer.content == b"\x89PNG"


def test_no_server_is_a_transport_error():
    transport = UrllibTransport("http://127.0.0.1:9", timeout=2)
    with pytest.raises(TransportError):
        transport.request("GET", "/api/v1/sync/config")


def test_json_and_data_together_are_refused(base_url):
    with pytest.raises(ValueError):
        UrllibTransport(base_url).request("POST", "/x", json={}, data=b"")


def test_parse_body():
    assert parse_body(b"") is None
    assert parse_body(b"not json") is None
    assert parse_body(b"\xff") is None
    assert parse_body(b'{"a": 1}') == {"a": 1}
    assert Response(200).headers == {}
