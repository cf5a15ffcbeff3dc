from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connections.rotation import RotationError, rotate

KEY_HELP = (
    "the key itself, or env:NAME to read it from the environment variable NAME (keeps the key "
    "out of the process list and the shell history)"
)


def resolve_key(value: str, option: str) -> str:
    if not value.startswith("env:"):
        return value
    name = value[len("env:") :]
    key = os.environ.get(name, "")
    if not key:
        raise CommandError(f"{option}: the environment variable {name!r} is not set or is empty.")
    return key


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret from the old LSYNC_ENCRYPTION_KEY to a new one, in one "
        "transaction. Stop lsync first, run this, then start it with the new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--old", required=True, help=f"The key now in use: {KEY_HELP}.")
        parser.add_argument("--new", required=True, help=f"The key to move to: {KEY_HELP}.")

    def handle(self, *args: Any, **options: Any) -> None:
        old = resolve_key(options["old"], "--old")
        new = resolve_key(options["new"], "--new")
        try:
            count = rotate(old, new)
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} stored values. Set LSYNC_ENCRYPTION_KEY to the new key "
                "and restart lsync (web and workers)."
            )
        )
