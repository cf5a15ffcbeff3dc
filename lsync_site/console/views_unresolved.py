"""Unresolved items of one user: pick a Salesforce record, create the Account, or ignore."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections.permissions import MANAGE_SYNC, manage_sync_required, view_sync_status_required
from connections.providers.salesforce.client import SalesforceError
from lsync_site.console.forms import PickForm, SearchForm
from mappings.models import UnresolvedItem
from syncengine import unresolved
from syncengine.models import SyncUser
from syncengine.service import plain
from syncengine.stores.base import ProviderError

logger = logging.getLogger(__name__)


def _failure(request: HttpRequest, exc: Exception) -> None:
    """Provider errors carry a sentence meant for administrators; anything else is logged."""
    if isinstance(exc, ProviderError | SalesforceError):
        messages.error(request, plain(f"Salesforce refused: {exc.message}"))
    else:
        logger.exception("resolving an unresolved item failed")
        messages.error(request, "Salesforce could not be reached; the server log has the details.")


@view_sync_status_required
def unresolved_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(SyncUser, pk=pk)
    items = UnresolvedItem.objects.filter(sync_user=user).order_by("ignored", "-created_at")
    searching = None
    found: list[unresolved.Candidate] = []
    form = SearchForm(request.GET or None)
    can_manage = request.user.has_perm(MANAGE_SYNC)
    item_id = request.GET.get("item", "")
    if can_manage and item_id.isdigit() and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing was searched: {error}")
    elif can_manage and item_id.isdigit():
        searching = get_object_or_404(items, pk=int(item_id))
        allowed = unresolved.SEARCHABLE[searching.reason]
        sobject = form.cleaned_data["sobject"]
        if sobject in allowed:
            try:
                found = unresolved.directory_for(user).search(sobject, form.cleaned_data["q"])
            except Exception as exc:  # noqa: BLE001 - shown as a message, the page stays up
                _failure(request, exc)
    return render(
        request,
        "status/unresolved.html",
        {
            "sync_user": user,
            "open_items": [i for i in items if i.is_open],
            "closed_items": [i for i in items if not i.is_open][:50],
            "searching": searching,
            "found": found,
            "form": form,
            "can_manage": can_manage,
            "searchable": unresolved.SEARCHABLE,
        },
    )


def _open_item(pk: int) -> UnresolvedItem:
    return get_object_or_404(
        UnresolvedItem.objects.select_related("sync_user"),
        pk=pk,
        resolved_at__isnull=True,
        ignored=False,
    )


@require_POST
@manage_sync_required
def link(request: HttpRequest, pk: int) -> HttpResponse:
    item = _open_item(pk)
    form = PickForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick a record from the search results.")
        return redirect("status:unresolved", pk=item.sync_user_id)
    data = form.cleaned_data
    record = unresolved.Candidate(data["record_id"], data["sobject"], data["name"], "")
    try:
        unresolved.link_record(item, unresolved.directory_for(item.sync_user), record)
    except ValueError as exc:
        messages.error(request, str(exc))
    except Exception as exc:  # noqa: BLE001
        _failure(request, exc)
    else:
        messages.success(request, f"Resolved: related to {record.sobject} {record.name}.")
    return redirect("status:unresolved", pk=item.sync_user_id)


@require_POST
@manage_sync_required
def create_account(request: HttpRequest, pk: int) -> HttpResponse:
    item = _open_item(pk)
    try:
        unresolved.create_account(item, unresolved.directory_for(item.sync_user))
    except ValueError as exc:
        messages.error(request, str(exc))
    except Exception as exc:  # noqa: BLE001
        _failure(request, exc)
    else:
        messages.success(request, f"Account “{item.value}” created and the contact related to it.")
    return redirect("status:unresolved", pk=item.sync_user_id)


@require_POST
@manage_sync_required
def ignore(request: HttpRequest, pk: int) -> HttpResponse:
    item = _open_item(pk)
    unresolved.ignore(item)
    messages.success(request, "The item is ignored.")
    return redirect("status:unresolved", pk=item.sync_user_id)
