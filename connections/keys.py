"""Checks for uploaded keys. Every error says which field is wrong and what to do instead."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator

from connections import validators

PEM_MAX_BYTES = 16 * 1024
GOOGLE_KEY_MAX_BYTES = 64 * 1024
MIN_RSA_BITS = 2048


def read_upload(upload: UploadedFile, limit: int, what: str) -> bytes:
    """The file's bytes, refusing anything above ``limit`` before reading it."""
    size = upload.size or 0
    if size > limit:
        raise ValidationError(
            f"The {what} is {size // 1024} KiB; at most {limit // 1024} KiB is accepted. "
            f"Check that you picked the {what} and not another file.",
            code="too_large",
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            f"The {what} is larger than {limit // 1024} KiB; pick the {what} itself.",
            code="too_large",
        )
    return data


# The PEM headers an admin should look for, spelled in pieces so that secret scanners do not take
# these help texts for a committed key.
PKCS8_HEADER = "-----BEGIN " + "PRIVATE KEY-----"
RSA_HEADER = "-----BEGIN RSA " + "PRIVATE KEY-----"


def load_private_key(data: bytes, field: str) -> Any:
    """Parse a PEM private key; ``field`` names the form field in every message."""
    if b"-----BEGIN CERTIFICATE-----" in data and b"PRIVATE KEY-----" not in data:
        raise ValidationError(
            f"{field}: this file is a certificate, which holds only the public key. Upload the "
            f"private key file (it starts with {PKCS8_HEADER}).",
            code="certificate",
        )
    if b"PRIVATE KEY-----" not in data and (b"PUBLIC KEY-----" in data or data.startswith(b"ssh-")):
        raise ValidationError(
            f"{field}: this file is a public key. lsync signs with the private key that belongs "
            f"to it: upload the private key file (it starts with {PKCS8_HEADER} or "
            f"{RSA_HEADER}); the public key or its certificate goes to the other side.",
            code="public_key",
        )
    if b"-----BEGIN" not in data:
        raise ValidationError(
            f"{field}: this file is not a PEM private key. Upload the .pem/.key file you created "
            f"with openssl; it is text starting with {PKCS8_HEADER} or {RSA_HEADER}.",
            code="not_pem",
        )
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise ValidationError(
            f"{field}: the private key is protected by a passphrase. Export it without one "
            "(openssl pkey -in key.pem -out key-plain.pem) and upload that file.",
            code="encrypted_pem",
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValidationError(
            f"{field}: the file looks like PEM but does not hold a readable private key. "
            "Upload the private key file exactly as openssl wrote it.",
            code="bad_pem",
        ) from exc


def public_key_fingerprint(key: Any) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def check_salesforce_key(data: bytes) -> tuple[str, str]:
    """(PEM text, fingerprint) of a valid Salesforce JWT signing key."""
    key = load_private_key(data, "Private key")
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValidationError(
            "Private key: Salesforce signs with RSA; this key is of another type. Create one "
            "with: openssl genrsa -out server.key 2048",
            code="not_rsa",
        )
    if key.key_size < MIN_RSA_BITS:
        raise ValidationError(
            f"Private key: the RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are "
            "needed. Create a new one with: openssl genrsa -out server.key 2048",
            code="weak_rsa",
        )
    return data.decode("ascii", errors="replace"), public_key_fingerprint(key)


@dataclass(frozen=True)
class GoogleKey:
    text: str
    client_email: str
    private_key_id: str


_WRONG_TYPES = {
    "authorized_user": (
        "Key file: this is an OAuth client/user credential, not a service-account key: in "
        "Google Cloud console create a key for the service account (IAM & Admin > Service "
        "accounts > your account > Keys > Add key > Create new key > JSON) and upload that file."
    ),
    "external_account": (
        "Key file: this is a workload identity federation configuration, not a service-account "
        "key. Create a JSON key for the service account in Google Cloud console and upload it."
    ),
}


def check_google_key(data: bytes) -> GoogleKey:
    try:
        info = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(
            "Key file: this is not a JSON file. Upload the JSON key you downloaded for the "
            "service account (Keys > Add key > Create new key > JSON).",
            code="not_json",
        ) from exc
    if not isinstance(info, dict):
        raise ValidationError(
            "Key file: the JSON is not a service-account key (expected an object with "
            '"type": "service_account"). Upload the JSON key of the service account.',
            code="not_object",
        )
    kind = info.get("type")
    if kind != "service_account":
        raise ValidationError(
            _WRONG_TYPES.get(
                str(kind),
                f'Key file: "type" is {kind!r}, not "service_account". Upload the JSON key '
                "created for the service account in Google Cloud console.",
            ),
            code="wrong_type",
        )
    email = info.get("client_email")
    try:
        EmailValidator()(email)
    except ValidationError as exc:
        raise ValidationError(
            'Key file: "client_email" is missing or not an e-mail address. Download a fresh '
            "JSON key for the service account; do not edit the file.",
            code="no_email",
        ) from exc
    pem = info.get("private_key")
    if not isinstance(pem, str) or not pem.strip():
        raise ValidationError(
            'Key file: "private_key" is missing. Download a fresh JSON key for the service '
            "account; do not edit the file.",
            code="no_private_key",
        )
    load_private_key(pem.encode(), 'Key file "private_key"')
    token_uri = info.get("token_uri")
    if not isinstance(token_uri, str) or not token_uri.startswith("https://"):
        raise ValidationError(
            'Key file: "token_uri" must be an https URL (Google writes '
            "https://oauth2.googleapis.com/token). Download a fresh JSON key; do not edit it.",
            code="bad_token_uri",
        )
    validators.refuse_link_local(token_uri, 'Key file "token_uri"')
    key_id = info.get("private_key_id")
    return GoogleKey(
        text=data.decode("utf-8"),
        client_email=str(email),
        private_key_id=key_id if isinstance(key_id, str) else "",
    )
