from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client


def pem_of(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="session")
def rsa_pem() -> bytes:
    """A fresh 2048-bit RSA key, generated per test run (no key is ever committed)."""
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def small_rsa_pem() -> bytes:
    return pem_of(rsa.generate_private_key(public_exponent=65537, key_size=1024))


@pytest.fixture(scope="session")
def ec_pem() -> bytes:
    return pem_of(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def google_key(rsa_pem: bytes) -> Callable[..., bytes]:
    def make(**overrides: Any) -> bytes:
        info: dict[str, Any] = {
            "type": "service_account",
            "project_id": "lsync-test",
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": rsa_pem.decode(),
            "client_email": "lsync@lsync-test.iam.gserviceaccount.com",
            "client_id": "100000000000000000001",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
        info.update(overrides)
        return json.dumps({k: v for k, v in info.items() if v is not None}).encode()

    return make


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def make_user(username: str, *perms: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def manager(db: None) -> User:
    return make_user("manager", "manage_sync")


@pytest.fixture
def manager_client(manager: User) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def raw_column(table: str, column: str, where: str = "1=1") -> bytes:
    """The bytes as stored in the database, bypassing the model field."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {where}")
        row = cursor.fetchone()
    assert row is not None, f"no row in {table}"
    return bytes(row[0])


def fragments(secret: str, size: int = 10) -> list[str]:
    """Overlapping pieces of a secret; none may appear in a page."""
    compact = "".join(secret.split())
    step = max(1, size // 2)
    return [compact[i : i + size] for i in range(0, max(1, len(compact) - size + 1), step)]
