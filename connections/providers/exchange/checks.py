"""Test Connection for Exchange on-premises (the Service Account method), step by step:
endpoint (EWS URL or Autodiscover) -> TLS -> sign-in (Basic/NTLM) -> impersonate the test user ->
find or create Salesforce_Sync -> read the calendar -> create and delete a test contact.
Each step passes or fails with a sentence saying what to do; the first failure ends the test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from exchangelib import Contact as EwsContact
from exchangelib import EWSDateTime, EWSTimeZone
from exchangelib.folders import Calendar, Folder, FolderCollection, Root
from exchangelib.items import HARD_DELETE

from connections.models import MailConnection, Status
from connections.providers.exchange.client import EwsConfig, ExchangeClient
from connections.providers.exchange.directory import open_mailbox
from connections.providers.exchange.errors import (
    UNTRUSTED,
    is_tls_failure,
    store_error,
)
from connections.providers.exchange.stores.contacts import FOLDER_NAME, find_or_create_folder
from syncengine.provider import CheckStep

NOT_SET_UP = (
    "Exchange is not set up: enter the service account's User name and Password on the Outlook "
    "setup page, choose Service Account and save."
)


def _stored() -> EwsConfig | None:
    from connections.models import MailConnection

    connection = MailConnection.load(MailConnection.Method.EXCHANGE)
    if not (connection.username and connection.password):
        return None
    return EwsConfig.from_connection(connection)


def run_checks(email: str | None, *, config: EwsConfig | None = None) -> list[CheckStep]:
    config = config or _stored()
    if config is None:
        return [CheckStep("Endpoint", False, NOT_SET_UP)]
    steps: list[CheckStep] = []
    try:
        client = ExchangeClient(config)
    except ValueError as exc:
        return [CheckStep("Endpoint", False, str(exc))]
    user = (email or "").strip().lower()
    probe_address = user or (config.username if "@" in config.username else "")

    def fail(name: str, exc: BaseException) -> list[CheckStep]:
        message = store_error(exc, service_account=config.username, mailbox=user).message
        return [*steps, CheckStep(name, False, message)]

    # 1. Endpoint
    try:
        if config.ews_url:
            url = config.ews_url
            steps.append(CheckStep("Endpoint", True, f"EWS URL {url} (entered on the setup page)."))
        elif not probe_address:
            return [
                CheckStep(
                    "Endpoint",
                    False,
                    "EWS URL: enter it, or enter a user's e-mail to find it with Autodiscover "
                    "(the service account is DOMAIN\\user, which Autodiscover cannot use).",
                )
            ]
        else:
            url, _ = client.endpoint(probe_address)
            steps.append(CheckStep("Endpoint", True, f"Autodiscover found the EWS URL {url}."))
    except Exception as exc:
        if is_tls_failure(exc):
            return [*steps, CheckStep("Endpoint", False, UNTRUSTED)]
        return fail("Endpoint", exc)
    # 2. TLS
    try:
        client.probe_tls(url)
    except Exception as exc:
        if is_tls_failure(exc):
            return [*steps, CheckStep("TLS", False, UNTRUSTED)]
        return [
            *steps,
            CheckStep(
                "TLS",
                False,
                f"EWS URL: {url} could not be reached from this server (no answer or connection "
                "refused). Check the address, the server's network and proxy (LSYNC_HTTPS_PROXY).",
            ),
        ]
    steps.append(CheckStep("TLS", True, "The server's certificate is trusted."))
    # 3. Sign-in
    method = "Basic" if config.auth_type == "basic" else "NTLM"
    try:
        version = client.sign_in(url)
    except Exception as exc:
        return fail("Sign-in", exc)
    steps.append(
        CheckStep(
            "Sign-in",
            True,
            f"The service account signed in with {method} (Exchange {version.api_version}).",
        )
    )
    if not user:
        steps.append(
            CheckStep("Mailbox", True, "Enter a user's e-mail address to test their mailbox too.")
        )
        return steps
    return steps + _mailbox_steps(client, user, fail)


def _mailbox_steps(
    client: ExchangeClient, user: str, fail: Callable[[str, BaseException], list[CheckStep]]
) -> list[CheckStep]:
    done: list[CheckStep] = []

    def step(name: str, ok_message: str, action: Callable[[Any], object]) -> bool:
        try:
            client.run(user, action)
        except Exception as exc:
            done.append(fail(name, exc)[-1])
            return False
        done.append(CheckStep(name, True, ok_message))
        return True

    try:
        open_mailbox(client, user)
    except Exception as exc:
        return [fail("Impersonation", exc)[-1]]
    done.append(CheckStep("Impersonation", True, f"The service account opened {user}'s mailbox."))
    folder: dict[str, Any] = {}
    if not step(
        "Contacts folder",
        f"The {FOLDER_NAME} folder is there under {user}'s Contacts.",
        lambda account: folder.setdefault("f", find_or_create_folder(account)),
    ):
        return done

    def read_calendar(account: Any) -> None:
        now = datetime.now(UTC)
        utc = EWSTimeZone("UTC")
        start = EWSDateTime.from_datetime(now).astimezone(utc)
        end = EWSDateTime.from_datetime(now + timedelta(days=1)).astimezone(utc)
        # With its id (one GetFolder): exchangelib pages a calendar view by folder id.
        (calendar,) = FolderCollection(
            account=account, folders=[Calendar(root=Root(account=account))]
        ).get_folders()
        if isinstance(calendar, Exception):
            raise calendar
        list(calendar.view(start=start, end=end, max_items=1))

    if not step("Calendar", "The primary calendar can be read.", read_calendar):
        return done

    def write_probe(account: Any) -> None:
        contact = EwsContact(account=account, display_name="lsync connection test")
        target = Folder(root=Root(account=account), id=folder["f"].id)
        (made,) = account.bulk_create(folder=target, items=[contact])
        if isinstance(made, Exception):
            raise made
        (gone,) = account.bulk_delete(ids=[(made.id, made.changekey)], delete_type=HARD_DELETE)
        if isinstance(gone, Exception):
            raise gone

    step("Write access", "A test contact was created and deleted again.", write_probe)
    return done


# The page's field each failing step is about.
STEP_FIELDS = {"Endpoint": ("ews_url", "EWS URL"), "TLS": ("ews_url", "EWS URL"),
               "Sign-in": ("password", "Password")}  # fmt: skip


def verify_settings(config: EwsConfig) -> tuple[str, str] | None:
    """Before the Outlook page stores settings that turn sync on: endpoint, TLS and sign-in.
    Returns (field, message naming the field) for the first failure, else None. With neither an
    EWS URL nor a user@domain service account there is no address to run Autodiscover for: the
    settings are accepted and Test Connection with a user's e-mail checks them."""
    if not config.ews_url and "@" not in config.username:
        return None
    steps = run_checks(None, config=config)
    failed = next((s for s in steps if not s.ok), None)
    if failed is None:
        return None
    field, label = STEP_FIELDS.get(failed.name, ("ews_url", "EWS URL"))
    if "EWS URL" in failed.message:
        field, label = "ews_url", "EWS URL"
    elif failed.name == "Sign-in" and "user name or password" not in failed.message:
        field, label = "username", "User name"
    message = failed.message
    if not message.startswith(label):
        message = f"{label}: {message}"
    return field, message


def verify_outlook_form(data: dict[str, Any], stored: MailConnection) -> tuple[str, str] | None:
    """The Outlook page's Exchange settings, checked before they are stored (see
    `verify_settings`); settings that already signed in and did not change are not re-checked."""
    password = data["password"] or ("" if data["clear_password"] else stored.password)
    config = EwsConfig(
        username=data["username"],
        password=password,
        ews_url=data["ews_url"],
        basic=data["auth_basic"],
        ntlm=data["auth_ntlm"],
        additional_domains=tuple(data["additional_domains"]),
    )
    unchanged = (
        stored.status == Status.VERIFIED
        and stored.enabled
        and config == EwsConfig.from_connection(stored)
    )
    return None if unchanged else verify_settings(config)
