"""Re-encrypt every stored secret under a new LSYNC_ENCRYPTION_KEY, all or nothing."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from django.core.signing import BadSignature
from django.db import connection, transaction
from django_cryptography.utils.crypto import InvalidToken

from connections.crypto import decrypt_value, encrypt_value, encrypted_fields


class RotationError(Exception):
    """Nothing was changed; the message says why."""


@dataclass(frozen=True)
class _Write:
    table: str
    pk_column: str
    column: str
    pk: Any
    token: bytes


def rotate(old: str, new: str) -> int:
    """Re-encrypt every value from ``old`` to ``new``; returns how many values were rewritten.

    Every value is decrypted with the old key before the first write, inside one
    transaction, so a wrong old key or an unreadable row leaves the database untouched.
    """
    if not old or not new:
        raise RotationError("Both the old and the new key are required.")
    if old == new:
        raise RotationError("The new key is the same as the old key.")
    if len(new) < 32:
        raise RotationError("The new key is shorter than 32 characters; generate a longer one.")
    quote = connection.ops.quote_name
    with transaction.atomic():
        writes: list[_Write] = []
        for model, field in encrypted_fields():
            table, column = model._meta.db_table, str(field.column)
            pk_column = str(model._meta.pk.column)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {quote(pk_column)}, {quote(column)} FROM {quote(table)} "
                    f"WHERE {quote(column)} IS NOT NULL"
                )
                rows = cursor.fetchall()
            for pk, raw in rows:
                try:
                    value = decrypt_value(bytes(raw), old)
                except (BadSignature, InvalidToken, pickle.UnpicklingError, ValueError) as exc:
                    raise RotationError(
                        f"{model._meta.label}.{field.name} (id {pk}) cannot be decrypted with the "
                        "old key. Check that --old is the key the server runs with now. Nothing "
                        "was changed."
                    ) from exc
                writes.append(_Write(table, pk_column, column, pk, encrypt_value(value, new)))
        with connection.cursor() as cursor:
            for write in writes:
                cursor.execute(
                    f"UPDATE {quote(write.table)} SET {quote(write.column)} = %s "
                    f"WHERE {quote(write.pk_column)} = %s",
                    [write.token, write.pk],
                )
    return len(writes)
