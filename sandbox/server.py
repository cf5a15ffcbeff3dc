"""Serve the emulators over HTTPS on loopback, one port each, in background threads."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from sandbox.core import ConnectionReset


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Injected connection resets end requests abruptly on purpose; don't print them.
        pass


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["sandbox.socket"] = self.connection
        # wsgiref knows nothing of the TLS wrapper around its socket and would say "http".
        environ["wsgi.url_scheme"] = "https"
        return environ


def _with_resets(app: Any) -> Any:
    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        try:
            return app(environ, start_response)
        except ConnectionReset:
            sock: socket.socket = environ["sandbox.socket"]
            # SO_LINGER 0 makes close() send a TCP RST: the client sees "connection reset".
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            raise

    return wrapped


def serve(
    app: Any, host: str, port: int, certfile: Path, keyfile: Path
) -> tuple[_Server, threading.Thread]:
    server = _Server((host, port), _Handler)
    server.set_app(_with_resets(app))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certfile), str(keyfile))
    # The handshake happens in the request thread, so one slow client can't block the rest.
    server.socket = context.wrap_socket(
        server.socket, server_side=True, do_handshake_on_connect=False
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True, name=f"sandbox:{port}")
    thread.start()
    return server, thread
