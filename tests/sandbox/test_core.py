from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from sandbox.company import make_company
from sandbox.core import Emulator, Request, Response
from sandbox.inprocess import WSGIAdapter
from sandbox.server import serve
from sandbox.tls import ensure_certificates


class Echo(Emulator):
    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)
        self.value = 0
        self.cursor_epoch = 0
        self.route("GET", r"/items/(?P<item>\w+)", "echo.item", self.item)

    def item(self, request: Request, item: str) -> Response:
        return Response.json({"item": item, "q": request.arg("q"), "value": self.value})

    def expire_cursors(self) -> None:
        self.cursor_epoch += 1

    def revoke_tokens(self) -> None:
        pass

    def seed(self, payload: dict[str, int]) -> dict[str, int]:
        self.value = payload["value"]
        return {"value": self.value}

    def state(self) -> dict[str, int]:
        return {"value": self.value, "cursor_epoch": self.cursor_epoch}


@pytest.fixture
def echo() -> tuple[Echo, requests.Session]:
    app = Echo(seed=7)
    session = requests.Session()
    session.mount("https://echo.test", WSGIAdapter(app))
    return app, session


def test_the_in_process_adapter_routes_path_and_query(echo: tuple[Echo, requests.Session]) -> None:
    _app, session = echo
    response = session.get("https://echo.test/items/abc", params={"q": "é x"})
    assert response.status_code == 200
    assert response.json() == {"item": "abc", "q": "é x", "value": 0}


def test_the_control_surface_seeds_and_moves_the_clock(
    echo: tuple[Echo, requests.Session],
) -> None:
    app, session = echo
    before = app.clock.now()
    assert session.post("https://echo.test/_control/seed", json={"value": 5}).json() == {"value": 5}
    session.post("https://echo.test/_control/clock", json={"advance": 86400})
    assert (app.clock.now() - before).days == 1
    assert session.get("https://echo.test/_control/state").json()["value"] == 5


def test_an_injected_429_carries_retry_after_once(echo: tuple[Echo, requests.Session]) -> None:
    app, session = echo
    app.inject("429", route=r"echo\..*", retry_after=7)
    throttled = session.get("https://echo.test/items/a")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "7"
    assert session.get("https://echo.test/items/a").status_code == 200


def test_an_injected_reset_surfaces_as_a_connection_error(
    echo: tuple[Echo, requests.Session],
) -> None:
    app, session = echo
    session.post("https://echo.test/_control/faults", json={"faults": [{"kind": "reset"}]})
    with pytest.raises(requests.exceptions.ConnectionError, match="reset"):
        session.get("https://echo.test/items/a")


def test_probabilistic_faults_repeat_for_the_same_seed() -> None:
    def pattern(seed: int) -> list[int]:
        app = Echo(seed=seed)
        session = requests.Session()
        session.mount("https://echo.test", WSGIAdapter(app))
        app.inject("503", times=None, probability=0.5)
        return [session.get("https://echo.test/items/a").status_code for _ in range(20)]

    assert pattern(3) == pattern(3)
    assert 503 in pattern(3) and 200 in pattern(3)


def test_a_cursor_expiry_fault_calls_the_emulator_hook(
    echo: tuple[Echo, requests.Session],
) -> None:
    app, session = echo
    app.inject("expire_cursor")
    session.get("https://echo.test/items/a")
    assert app.cursor_epoch == 1


def test_the_https_server_is_trusted_through_the_generated_ca(tmp_path: Path) -> None:
    ca, cert, key = ensure_certificates(tmp_path)
    server, _thread = serve(Echo(), "127.0.0.1", 0, cert, key)
    try:
        port = server.server_address[1]
        session = requests.Session()
        session.trust_env = False
        response = session.get(f"https://127.0.0.1:{port}/items/z", verify=str(ca), timeout=10)
        assert response.json()["item"] == "z"
        curl = subprocess.run(
            ["curl", "-sS", "--cacert", str(ca), f"https://127.0.0.1:{port}/items/y"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert curl.returncode == 0, curl.stderr
        assert '"item": "y"' in curl.stdout
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://127.0.0.1:{port}/items/z", verify=True, timeout=10)
    finally:
        server.shutdown()


def test_the_https_server_resets_the_connection_on_a_reset_fault(tmp_path: Path) -> None:
    ca, cert, key = ensure_certificates(tmp_path)
    app = Echo()
    server, _thread = serve(app, "127.0.0.1", 0, cert, key)
    try:
        app.inject("reset")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(
                f"https://127.0.0.1:{server.server_address[1]}/items/a", verify=str(ca), timeout=10
            )
    finally:
        server.shutdown()


def test_the_demo_company_is_deterministic_and_accented() -> None:
    first, again = make_company(5, seed=3), make_company(5, seed=3)
    assert first == again
    assert len({u.email for u in first.users}) == 5
    assert all(u.email.isascii() for u in first.users)
