from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sandbox import registry
from sandbox.server import serve
from sandbox.tls import ensure_certificates


class Command(BaseCommand):
    help = (
        "Serve the Salesforce, Microsoft and Google emulators over HTTPS on loopback, "
        "with a CA generated under var/sandbox/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        for name, port in registry.DEFAULT_PORTS.items():
            parser.add_argument(f"--{name}-port", type=int, default=port)
        parser.add_argument("--seed", type=int, default=1, help="Seed for data and faults.")
        parser.add_argument(
            "--users", type=int, default=0, help="Seed a demo company with this many users."
        )
        parser.add_argument(
            "--print-env",
            action="store_true",
            help="Print NAME=value lines that point the product at the sandbox, then exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(settings.VAR_DIR) / "sandbox"
        ca, cert, key = ensure_certificates(directory)
        names = registry.available()
        host = options["host"]
        bases = {n: f"https://{host}:{options[f'{n}_port']}" for n in names}
        if options["print_env"]:
            for name, value in registry.product_env(bases, str(ca.resolve())).items():
                self.stdout.write(f"{name}={value}")
            return
        servers = []
        for name in names:
            app = registry.build(name, seed=options["seed"])
            if options["users"]:
                app.seed({"company": {"users": options["users"], "seed": options["seed"]}})
            servers.append(serve(app, host, options[f"{name}_port"], cert, key))
            self.stdout.write(f"{name}: {bases[name]}")
        self.stdout.write(f"CA certificate: {ca.resolve()}")
        self.stdout.write(self.style.SUCCESS("sandbox ready"))
        # SIGTERM ends it like Ctrl-C: servers shut down and temporary files (the CalDAV server's
        # accounts and collections) are removed at exit.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            for server, _thread in servers:
                server.shutdown()
