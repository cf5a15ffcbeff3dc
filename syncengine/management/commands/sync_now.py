from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mappings.models import RunStatus
from syncengine import eligibility
from syncengine.dispatch import eligible_users
from syncengine.models import KINDS, SyncUser
from syncengine.service import RunOutcome, sync_user
from syncengine.stores.base import Kind

BAR_WIDTH = 30
OK_STATUSES = (RunStatus.OK, RunStatus.DRY_RUN)


def progress_bar(done: int, total: int) -> str:
    percent = 100 if total <= 0 else min(100, done * 100 // total)
    filled = BAR_WIDTH * percent // 100
    return f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {percent:3d}% ({done}/{total})"


class Command(BaseCommand):
    help = "Sync enrolled users now, in the foreground, and show what is (or would be) done."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", metavar="EMAIL", help="only this user (by e-mail)")
        parser.add_argument("--kind", choices=KINDS, help="only contacts or only events")
        parser.add_argument(
            "--dry-run", action="store_true", help="plan only: change nothing on either side"
        )
        parser.add_argument(
            "--approve-guard",
            action="store_true",
            help="let this run through a tripped mass-delete or empty-side guard",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = SyncUser.objects.select_related("configuration", "mail_connection").order_by(
            "email"
        )
        if options["user"]:
            users = users.filter(email__iexact=options["user"])
            if not users.exists():
                raise CommandError(f"No sync user with the e-mail {options['user']!r}.")
            refused = [(u, eligibility.not_linked(u)) for u in users]
            for user, reason in refused:
                if reason:
                    self.stdout.write(self.style.WARNING(f"{user.username}: {reason}"))
            if all(reason for _, reason in refused):
                raise CommandError(
                    f"Not synced: no linked user has the e-mail {options['user']!r}."
                )
            users = users.filter(pk__in=[u.pk for u, reason in refused if not reason])
        else:
            # The users the dispatcher would sync; say why the others are left out.
            eligible = eligible_users()
            for unlinked in users.filter(configuration__active=True).exclude(pk__in=eligible):
                reason = unlinked.link_error or "the mailbox is not linked yet"
                self.stdout.write(self.style.WARNING(f"{unlinked.email}: skipped, {reason}"))
            users = users.filter(pk__in=eligible)
        kinds: tuple[Kind, ...] = (options["kind"],) if options["kind"] else KINDS
        failed: list[str] = []
        for user in users:
            for kind in kinds:
                outcome = self._sync(user, kind, options["dry_run"], options["approve_guard"])
                if outcome.status in (RunStatus.FAILED, RunStatus.GUARD):
                    failed.append(f"{user.email} {kind}")
        if failed:
            raise CommandError(f"Not synced: {', '.join(failed)}")

    def _sync(self, user: SyncUser, kind: Kind, dry_run: bool, approve: bool) -> RunOutcome:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{user.email} · {kind}"))
        shown = False

        def show(done: int, total: int) -> None:
            nonlocal shown
            shown = True
            self.stdout.write(f"\r  {progress_bar(done, total)}", ending="")
            self.stdout.flush()

        outcome = sync_user(user.pk, kind, dry_run=dry_run, approve_guard=approve, progress=show)
        if shown:
            self.stdout.write("")
        if outcome.plan:
            self.stdout.write("  would do:" if dry_run else "  plan:")
            for line in outcome.plan:
                self.stdout.write(f"    {line}")
        elif outcome.status in (RunStatus.OK, RunStatus.DRY_RUN):
            self.stdout.write("  nothing to do")
        if not shown and outcome.status in (RunStatus.OK, RunStatus.PARTIAL, RunStatus.DRY_RUN):
            steps = len(outcome.plan)
            self.stdout.write(f"  {progress_bar(steps, steps)}")
        style = self.style.SUCCESS if outcome.status in OK_STATUSES else self.style.WARNING
        self.stdout.write(style(f"  {outcome.status}: {outcome.message}"))
        return outcome
