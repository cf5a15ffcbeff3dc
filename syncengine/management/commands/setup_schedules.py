from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from syncengine.tasks import ensure_schedules


class Command(BaseCommand):
    help = "Create or correct lsync's django-q2 schedules (safe to run any number of times)."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, created in ensure_schedules().items():
            self.stdout.write(f"{'created' if created else 'up to date'}: {name}")
