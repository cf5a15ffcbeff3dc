from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from syncengine import registry
from syncengine.models import SyncUser
from syncengine.provider import CheckStep, MailProvider

# Only providers that can be tested count (Exchange cannot be yet).
NO_MAIL = "No Exchange, Microsoft 365 or Google connection is enabled. Open Setup and connect one."


def mail_providers_for(email: str | None) -> list[MailProvider]:
    """The connection the user is linked to; every active one when the user is not linked."""
    if email:
        user = SyncUser.objects.filter(
            Q(email__iexact=email) | Q(username__iexact=email), mail_connection__isnull=False
        ).first()
        linked = None
        if user is not None and user.mail_connection is not None:
            linked = registry.mail_provider(user.mail_connection.method)
        if linked is not None:
            return [linked]
    return [p for p in registry.active_mail_providers() if p.testable]


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
        groups.append(("Salesforce", registry.salesforce().run_checks(email)))
        for provider in mail_providers_for(email):
            groups.append((provider.label, provider.run_checks(email)))
        if len(groups) == 1:
            groups.append(("Mail", [CheckStep("connection", False, NO_MAIL)]))
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
