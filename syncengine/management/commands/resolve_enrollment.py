from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncengine.enrollment import resolve_enrollment
from syncengine.models import LinkStatus, SyncUser


class Command(BaseCommand):
    help = (
        "Resolve sync configuration assignments against Salesforce: enroll, update or detach "
        "users, and link each one to a mailbox (the schedule runs this every 15 minutes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--errors", action="store_true", help="also list every user with a link error"
        )
        parser.add_argument(
            "--recheck",
            action="store_true",
            help="probe the mailboxes of already linked users too",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = resolve_enrollment(recheck=options["recheck"])
        if result.problem:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
        if options["errors"]:
            rows = SyncUser.objects.filter(configuration__isnull=False).exclude(
                link_status=LinkStatus.LINKED
            )
            for row in rows:
                self.stdout.write(f"{row.email or row.username}: {row.link_error}")
