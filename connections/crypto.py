"""How stored secrets are encrypted, and which model columns hold them.

django-cryptography derives its AES key from ``CRYPTOGRAPHY_KEY`` (PBKDF2, see
``django_cryptography.conf``) but signs every token with an HMAC keyed by the raw Django
``SECRET_KEY``. Left alone, rotating the session signing key would make every stored
credential unreadable. :func:`install` therefore gives every encrypted field a Fernet
whose AES key *and* HMAC key both come from ``LSYNC_ENCRYPTION_KEY`` alone. The token
format is the library's own (version byte, timestamp, IV, AES-CBC ciphertext, HMAC-SHA256).
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.apps import apps
from django.conf import settings
from django.db import models
from django_cryptography.core.signing import FernetSigner
from django_cryptography.fields import EncryptedMixin
from django_cryptography.utils.crypto import FernetBytes

# The same derivation as django_cryptography.conf.CryptographyConf.configure.
_LIBRARY_SALT = b"django-cryptography"
_SIGNING_SALT = b"lsync-secret-signing"
_ITERATIONS = 30000


def _derive(secret: str, salt: bytes) -> bytes:
    digest = hashes.SHA256()
    kdf = PBKDF2HMAC(algorithm=digest, length=digest.digest_size, salt=salt, iterations=_ITERATIONS)
    return kdf.derive(secret.encode())


@functools.lru_cache(maxsize=8)
def fernet_for(secret: str) -> FernetBytes:
    """The Fernet that encrypts secrets stored under the encryption key ``secret``."""
    return FernetBytes(_derive(secret, _LIBRARY_SALT), FernetSigner(_derive(secret, _SIGNING_SALT)))


def encrypt_value(value: Any, secret: str) -> bytes:
    """Exactly what an encrypted field writes to its column for ``value``."""
    return fernet_for(secret).encrypt(pickle.dumps(value))


def decrypt_value(token: bytes, secret: str) -> Any:
    """Inverse of :func:`encrypt_value`; raises if ``secret`` is not the key it was stored under."""
    return pickle.loads(fernet_for(secret).decrypt(token))  # noqa: S301 - our own ciphertext


class _CurrentKeyFernet:
    """Looks the key up on every use, so tests that override the key keep working."""

    def encrypt(self, data: bytes) -> bytes:
        return fernet_for(settings.LSYNC_ENCRYPTION_KEY).encrypt(data)

    def decrypt(self, data: bytes, ttl: int | None = None) -> bytes:
        return fernet_for(settings.LSYNC_ENCRYPTION_KEY).decrypt(data, ttl)


def encrypted_fields() -> Iterator[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Every encrypted column of every installed model (all apps, not just this one)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedMixin):
                yield model, field


def install() -> None:
    """Called from ConnectionsConfig.ready(): switch every encrypted field to our key."""
    for _model, field in encrypted_fields():
        field._fernet = _CurrentKeyFernet()  # type: ignore[attr-defined]
