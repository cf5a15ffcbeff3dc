"""Helpers for tests and the demo: a connected-app key pair with a self-signed certificate
(generated at run time; never stored), a JWT bearer assertion built as the product builds it
(PyJWT, RS256) and the token exchange."""

from __future__ import annotations

import time
from typing import Any

import jwt
import requests

from sandbox.tls import self_signed

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def make_certificate(common_name: str = "lsync") -> tuple[str, str]:
    """(private key PEM, self-signed certificate PEM), as uploaded to a connected app."""
    return self_signed(common_name)


def assertion(
    private_pem: str,
    consumer_key: str,
    username: str,
    audience: str = "https://login.salesforce.com",
    expires_in: float = 180,
    now: float | None = None,
    **extra: Any,
) -> str:
    claims = {
        "iss": consumer_key,
        "sub": username,
        "aud": audience,
        "exp": int((now if now is not None else time.time()) + expires_in),
        **extra,
    }
    return jwt.encode(claims, private_pem, algorithm="RS256")


def request_token(
    session: requests.Session, login_url: str, signed: str, **kwargs: Any
) -> requests.Response:
    return session.post(
        f"{login_url.rstrip('/')}/services/oauth2/token",
        data={"grant_type": GRANT_TYPE, "assertion": signed},
        **kwargs,
    )


def connect(
    session: requests.Session,
    login_url: str,
    private_pem: str,
    consumer_key: str,
    username: str,
    **kwargs: Any,
) -> Any:
    """A simple-salesforce client on a session obtained through the JWT bearer flow, as the
    product builds it (simple-salesforce's own login only reaches *.salesforce.com)."""
    from simple_salesforce import Salesforce

    response = request_token(session, login_url, assertion(private_pem, consumer_key, username))
    response.raise_for_status()
    token = response.json()
    return Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        **kwargs,
    )


def connect_in_process(
    app: Any, keys: tuple[str, str], consumer_key: str, username: str, **kwargs: Any
) -> Any:
    """`connect` to an emulator mounted on a fresh session (no network), with the connected app
    `consumer_key` registered for the certificate of `keys` (private key PEM, certificate PEM)."""
    from sandbox.inprocess import mount

    app.register_connected_app(consumer_key, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return connect(session, base, keys[0], consumer_key, username, **kwargs)
