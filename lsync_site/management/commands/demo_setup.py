from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Demo only: create the 'admin' superuser (printing its password once) and, with "
        "--sandbox, connect lsync to the running sandbox and enroll the demo company."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sandbox",
            choices=["microsoft365", "google", "exchange", "caldav"],
            help="Wire Salesforce and this mail service from the running sandbox.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.LSYNC_DEMO:
            raise CommandError("demo_setup only runs with LSYNC_DEMO=1 (make demo sets it).")
        self._admin()
        if options["sandbox"]:
            from lsync_site.demo import DemoError, wire

            try:
                report = wire(options["sandbox"])
            except DemoError as exc:
                raise CommandError(str(exc)) from exc
            for line in report.lines:
                self.stdout.write(f"  {line}")

    def _admin(self) -> None:
        User = get_user_model()
        if User.objects.filter(username="admin").exists():
            self.stdout.write(
                "Demo admin 'admin' already exists; its password was printed when it was "
                "created. Reset it with: .venv/bin/python manage.py changepassword admin"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@example.com", password)
        self.stdout.write(
            self.style.SUCCESS(f"Demo admin created. User name: admin  Password: {password}")
        )
        self.stdout.write("This password is shown only once.")
