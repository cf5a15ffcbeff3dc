"""A soak worker: a long-lived process (as a django-q2 worker is) that runs `sync_now` each time
the driver writes a line on its stdin, and answers "done" on stdout. The driver kills it with
SIGKILL at random moments and starts a new one."""

from __future__ import annotations

import contextlib
import io
import sys


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    for _line in sys.stdin:
        # CommandError: some user or kind did not sync; the runs and issues say which.
        with contextlib.suppress(CommandError):
            call_command("sync_now", stdout=io.StringIO(), stderr=io.StringIO())
        print("done", flush=True)


if __name__ == "__main__":
    main()
