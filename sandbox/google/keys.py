"""Throwaway service-account keys for tests and the demo, generated at run time (never committed)."""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"


def generate_service_account_key(
    token_uri: str,
    *,
    client_email: str = "lsync-sync@lsync-demo.iam.gserviceaccount.com",
    project_id: str = "lsync-demo",
    client_id: str | None = None,
) -> tuple[dict[str, str], str]:
    """Returns (the JSON key Google would let you download, the matching public key PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = public_key_pem(key.public_key())
    digest = hashlib.sha1(public_pem.encode()).hexdigest()
    numeric = client_id or str(100000000000000000000 + int(digest[:15], 16) % 10**20)
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": digest[:40],
        "private_key": private_pem,
        "client_email": client_email,
        "client_id": numeric,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + client_email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    return info, public_pem


def public_key_pem(public_key: Any) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem_or_certificate: str) -> rsa.RSAPublicKey:
    """Accepts a public key PEM or an X.509 certificate PEM (what Google publishes per key)."""
    data = pem_or_certificate.encode()
    if b"BEGIN CERTIFICATE" in data:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    else:
        key = serialization.load_pem_public_key(data)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("service-account keys are RSA keys")
    return key
