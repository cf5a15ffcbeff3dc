from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from connections.models import MailConnection
from connections.providers.checks import CheckStep

SALESFORCE_CHECKS = "connections.providers.salesforce.checks.run_checks"
# Mail connection method -> its Test Connection steps (same signature as Salesforce's).
MAIL_CHECKS: dict[str, str] = {
    "microsoft365": "connections.providers.microsoft.checks.run_checks",
    "exchange": "connections.providers.exchange.checks.run_checks",
    "google": "connections.providers.google.checks.run_checks",
}

Checks = Callable[[str | None], list[CheckStep]]


def load(path: str) -> Checks | None:
    try:
        return import_string(path)  # type: ignore[no-any-return]
    except ImportError:
        return None


class Command(BaseCommand):
    help = (
        "Test the Salesforce connection and the active mail connection for one user: each step "
        "is shown green or red with what to do about it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user",
            dest="email",
            default=None,
            help="The user's e-mail (or Salesforce username); default: the first enrolled user.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str | None = options["email"]
        groups: list[tuple[str, list[CheckStep]]] = []
        salesforce = load(SALESFORCE_CHECKS)
        assert salesforce is not None
        groups.append(("Salesforce", salesforce(email)))
        methods = [c.method for c in MailConnection.active() if c.method in MAIL_CHECKS]
        if not methods:
            groups.append(
                (
                    "Mail",
                    [
                        CheckStep(
                            "connection",
                            False,
                            "No Exchange, Microsoft 365 or Google connection is enabled. Open "
                            "Setup and connect one.",
                        )
                    ],
                )
            )
        for method in methods:
            label = MailConnection.Method(method).label
            checks = load(MAIL_CHECKS[method])
            if checks is None:
                groups.append((label, [CheckStep("checks", False, "No checks for this method.")]))
                continue
            groups.append((label, checks(email)))
        failed = 0
        for label, steps in groups:
            self.stdout.write(self.style.MIGRATE_HEADING(label))
            for step in steps:
                style = self.style.SUCCESS if step.ok else self.style.ERROR
                mark = "OK  " if step.ok else "FAIL"
                self.stdout.write(style(f"  [{mark}] {step.name}: {step.message}"))
                failed += 0 if step.ok else 1
        if failed:
            raise CommandError(f"{failed} step(s) failed.")
        self.stdout.write(self.style.SUCCESS("Every step passed."))
