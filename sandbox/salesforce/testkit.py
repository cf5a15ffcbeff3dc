"""Helpers for tests and the demo: a connected-app key pair with a self-signed certificate
(generated at run time; never stored), a JWT bearer assertion built as the product builds it
(PyJWT, RS256) and the token exchange."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def make_certificate(common_name: str = "lsync") -> tuple[str, str]:
    """(private key PEM, self-signed certificate PEM), as uploaded to a connected app."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return private_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


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
