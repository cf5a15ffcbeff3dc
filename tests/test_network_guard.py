from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from tests.conftest import OutboundNetworkBlocked


def test_a_request_to_a_real_provider_host_is_refused() -> None:
    with pytest.raises(OutboundNetworkBlocked, match="login.salesforce.com"):
        requests.get("https://login.salesforce.com/services/oauth2/token", timeout=2)


def test_a_raw_socket_to_a_public_address_is_refused() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OutboundNetworkBlocked):
            sock.connect(("203.0.113.10", 443))
    finally:
        sock.close()


def test_loopback_still_works() -> None:
    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    try:
        response = requests.get(f"http://127.0.0.1:{server.server_port}/", timeout=5)
        assert response.text == "hello"
    finally:
        server.server_close()
