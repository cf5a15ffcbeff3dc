"""Named simulated-day scenarios (issue 15), run by `bench/run.py NAME [--json [FILE]]`:

    .venv/bin/python bench/run.py feed-day-1000 --json
    .venv/bin/python bench/run.py feed-day-10000 --json
    .venv/bin/python bench/run.py feed-day --json      # both sizes side by side

Each prints one JSON object per size (bench/feedday.py says what is counted and how):
`users`, `salesforce_calls_per_day`, `salesforce_allocation_per_day`, the polling figures of the
same run (`..._polling`), and the p95 delays per direction: mailbox -> Salesforce by polling
(`p95_latency_seconds_mailbox_to_salesforce`), with Graph push (`..._push`), with Google's
(`..._push_google`: calendar pushed, contacts polled) and with Exchange's EWS pull notifications
(`..._pull_exchange`); bench/pushday.py says what is measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

SCENARIOS: dict[str, tuple[int, ...]] = {
    "feed-day-1000": (1000,),
    "feed-day-10000": (10000,),
    "feed-day": (1000, 10000),
}


def run_day(users: int, **overrides: Any) -> dict[str, Any]:
    """One simulated day; Django must be configured (the command line does it, pytest has)."""
    from bench.feedday import Day, DayConfig
    from bench.wiring import Sandbox

    box = Sandbox()
    with box.wired():
        box.connect_salesforce()
        return Day(DayConfig(users=users, **overrides), box).run()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--json", nargs="?", const="-", default=None,
                        help="print JSON (default) or write it to FILE")  # fmt: skip
    parser.add_argument("--visible-share", type=float, default=0.0,
                        help="share of users syncing all contacts they can see")  # fmt: skip
    args = parser.parse_args(argv)
    from bench.wiring import configure_django

    configure_django(Path(tempfile.mkdtemp(prefix="lsync-day-")))
    results = []
    for users in SCENARIOS[args.scenario]:
        result = run_day(users, visible_share=args.visible_share)
        results.append(result)
        print(json.dumps(result, indent=2), flush=True)
    if args.json not in (None, "-"):
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results if len(results) > 1 else results[0], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
