"""The emulators by name. Each class provides ``product_env(base_url)``: the settings that
point the product at it."""

from __future__ import annotations

from importlib import import_module
from typing import Any

EMULATORS = {
    "salesforce": "sandbox.salesforce.app.SalesforceEmulator",
    "microsoft": "sandbox.microsoft.app.MicrosoftEmulator",
    "google": "sandbox.google.app.GoogleEmulator",
    "exchange": "sandbox.exchange.app.ExchangeEmulator",
    "caldav": "sandbox.radicale.RadicaleEmulator",
}
DEFAULT_PORTS = {
    "salesforce": 8441,
    "microsoft": 8442,
    "google": 8443,
    "exchange": 8444,
    "caldav": 8445,
}


def emulator_class(name: str) -> Any:
    module, _, cls = EMULATORS[name].rpartition(".")
    return getattr(import_module(module), cls)


def available() -> list[str]:
    names = []
    for name in EMULATORS:
        try:
            emulator_class(name)
        except (ImportError, AttributeError):
            continue
        names.append(name)
    return names


def build(name: str, seed: int = 0) -> Any:
    return emulator_class(name)(seed=seed)


def product_env(bases: dict[str, str], ca_bundle: str | None) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, base in bases.items():
        env.update(emulator_class(name).product_env(base))
    if ca_bundle:
        env["LSYNC_CA_BUNDLE"] = ca_bundle
    return env
