from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connections.rotation import RotationError, rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret from the old LSYNC_ENCRYPTION_KEY to a new one, in one "
        "transaction. Stop lsync first, run this, then start it with the new key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--old", required=True, help="The key the secrets are stored under now."
        )
        parser.add_argument("--new", required=True, help="The key to store them under.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = rotate(options["old"], options["new"])
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} stored values. Set LSYNC_ENCRYPTION_KEY to the new key "
                "and restart lsync (web and workers)."
            )
        )
