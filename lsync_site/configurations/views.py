"""Setup > Sync configurations: list, create, edit, activate, delete, and assign users and
profiles found in Salesforce (search as you type, or a plain search form without JavaScript)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from connections import audit
from connections.permissions import manage_sync_required
from connections.providers.salesforce import directory
from lsync_site.configurations.forms import AssignForm, ConfigurationForm
from syncengine import enrollment
from syncengine.models import ConfigurationAssignment, SyncConfiguration, SyncUser, TargetType

PAGE = "sync-configurations"
MIN_SEARCH = 2


def _configurations() -> Any:
    # distinct: the two joins (assignments, sync users) multiply each other's rows.
    def assigned(kind: str) -> Count:
        return Count("assignments", filter=Q(assignments__target_type=kind), distinct=True)

    return SyncConfiguration.objects.annotate(
        user_count=assigned(TargetType.USER),
        profile_count=assigned(TargetType.PROFILE),
        enrolled_count=Count("sync_users", distinct=True),
    )


def _saved(form: ConfigurationForm, request: HttpRequest, fields: list[str], action: str) -> bool:
    """Saves the form with its audit entry; a name taken meanwhile by another admin (the
    database's unique name key) becomes an error on the name field, not a server error."""
    try:
        with transaction.atomic():
            form.save()
            audit.record(request, PAGE, fields, action=action)
    except IntegrityError:
        form.add_error(
            "name",
            "Name: another configuration was just saved under this name (names are compared without "
            "regard to case). Choose another name.",
        )
        return False
    return True


@manage_sync_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "configurations/index.html", {"configurations": _configurations()})


@manage_sync_required
def create(request: HttpRequest) -> HttpResponse:
    form = ConfigurationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and _saved(form, request, form.changed_data or ["name"], "create"):
            configuration = form.instance
            messages.success(
                request,
                f"Configuration '{configuration}' created. Now assign users and profiles.",
            )
            if form.filter_warning:
                messages.warning(request, form.filter_warning)
            return redirect("configurations:edit", pk=configuration.pk)
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    return render(request, "configurations/form.html", {"form": form, "configuration": None})


def _search(query: str) -> tuple[list[directory.SalesforceUser], list[directory.SalesforceProfile], str]:  # fmt: skip
    if len(query) < MIN_SEARCH:
        return [], [], ""
    try:
        users, profiles = directory.get_directory().search(query)
    except directory.DirectoryError as exc:
        return [], [], str(exc)
    return users, profiles, ""


def _assigned_to() -> dict[tuple[str, str], str]:
    rows = ConfigurationAssignment.objects.values_list(
        "target_type", "salesforce_id", "configuration__name"
    )
    return {(kind, sf_id): name for kind, sf_id, name in rows}


@manage_sync_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_object_or_404(SyncConfiguration, pk=pk)
    form = ConfigurationForm(request.POST or None, instance=configuration)
    if request.method == "POST":
        if form.is_valid() and _saved(form, request, form.changed_data, "save"):
            messages.success(
                request, "Configuration saved." if form.changed_data else "No changes."
            )
            if form.filter_warning:
                messages.warning(request, form.filter_warning)
            return redirect("configurations:edit", pk=configuration.pk)
        messages.error(request, "Nothing was saved: correct the fields marked below.")
    query = " ".join(request.GET.get("q", "").split())
    users, profiles, search_error = _search(query)
    assigned = _assigned_to()
    context = {
        "form": form,
        "configuration": configuration,
        "assignments": configuration.assignments.order_by("target_type", "label"),
        "enrolled": configuration.sync_users.order_by("email"),
        "query": query,
        "search_error": search_error,
        "found_users": [(u, assigned.get((TargetType.USER, u.id), "")) for u in users],
        "found_profiles": [(p, assigned.get((TargetType.PROFILE, p.id), "")) for p in profiles],
        "min_search": MIN_SEARCH,
    }
    return render(request, "configurations/form.html", context)


@manage_sync_required
@require_GET
def search(request: HttpRequest) -> JsonResponse:
    query = " ".join(request.GET.get("q", "").split())
    users, profiles, error = _search(query)
    assigned = _assigned_to()
    return JsonResponse(
        {
            "query": query,
            "error": error,
            "users": [
                {
                    "id": u.id,
                    "name": u.name,
                    "username": u.username,
                    "email": u.email,
                    "profile": u.profile_name,
                    "assigned_to": assigned.get((TargetType.USER, u.id), ""),
                }
                for u in users
            ],
            "profiles": [
                {
                    "id": p.id,
                    "name": p.name,
                    "assigned_to": assigned.get((TargetType.PROFILE, p.id), ""),
                }  # fmt: skip
                for p in profiles
            ],
        }
    )


@manage_sync_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_object_or_404(SyncConfiguration, pk=pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Nothing was assigned: {error}")
        return redirect("configurations:edit", pk=pk)
    kind = form.cleaned_data["target_type"]
    sf_id = form.cleaned_data["salesforce_id"]
    label = form.cleaned_data["label"] or sf_id
    with transaction.atomic():
        previous = (
            ConfigurationAssignment.objects.select_for_update()
            .select_related("configuration")
            .filter(target_type=kind, salesforce_id=sf_id)
            .first()
        )
        ConfigurationAssignment.assign(configuration, kind, sf_id, label)
        audit.record(request, PAGE, ["assignments"], action="assign")
        enrolled = SyncUser.objects.filter(salesforce_user_id=sf_id).exclude(
            configuration__isnull=True
        )
        through_profile = (
            enrolled.exclude(configuration=configuration).select_related("configuration").first()
            if kind == TargetType.USER and previous is None
            else None
        )
    noun = "User" if kind == TargetType.USER else "Profile"
    if previous is not None and previous.configuration_id != configuration.pk:
        messages.warning(
            request,
            f"{noun} {label} was moved from configuration '{previous.configuration}' to "
            f"'{configuration}': a user or profile belongs to one configuration at a time.",
        )
    elif previous is not None:
        messages.info(request, f"{noun} {label} was already assigned here.")
    elif through_profile is not None:
        messages.warning(
            request,
            f"{noun} {label} now syncs by '{configuration}' instead of "
            f"'{through_profile.configuration}', which covers their profile: an individual "
            "assignment beats a profile assignment.",
        )
    else:
        messages.success(request, f"{noun} {label} assigned to '{configuration}'.")
    return redirect("configurations:edit", pk=pk)


@manage_sync_required
@require_POST
def unassign(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    assignment = get_object_or_404(ConfigurationAssignment, pk=assignment_pk, configuration_id=pk)
    with transaction.atomic():
        assignment.delete()
        audit.record(request, PAGE, ["assignments"], action="unassign")
    messages.success(
        request,
        f"{assignment} removed. Its users stop syncing at the next enrollment run unless another "
        "assignment covers them.",
    )
    return redirect("configurations:edit", pk=pk)


@manage_sync_required
@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_object_or_404(SyncConfiguration, pk=pk)
    with transaction.atomic():
        configuration.active = not configuration.active
        configuration.save(update_fields=["active", "updated_at"])
        audit.record(request, PAGE, ["active"], action="activate" if configuration.active else "deactivate")  # fmt: skip
    state = "active: its users sync" if configuration.active else "inactive: its users are paused"
    messages.success(request, f"Configuration '{configuration}' is now {state}.")
    return redirect("configurations:index")


@manage_sync_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    configuration = get_object_or_404(_configurations(), pk=pk)
    if request.method == "POST":
        name = str(configuration)
        with transaction.atomic():
            # Assignments go with it (cascade); enrolled users are detached, their mappings kept.
            detached = SyncUser.objects.filter(configuration=configuration).update(
                configuration=None, link_error=enrollment.DETACHED, link_status="pending"
            )
            configuration.delete()
            audit.record(request, PAGE, ["name"], action="delete")
        messages.success(
            request, f"Configuration '{name}' deleted; {detached} enrolled user(s) unassigned."
        )
        return redirect("configurations:index")
    return render(request, "configurations/confirm_delete.html", {"configuration": configuration})


@manage_sync_required
@require_POST
def resolve(request: HttpRequest) -> HttpResponse:
    result = enrollment.resolve_enrollment()
    if result.problem:
        messages.error(request, result.summary())
    else:
        messages.success(request, f"Enrollment resolved: {result.summary()}")
        audit.record(request, PAGE, ["enrollment"], action="resolve")
    return redirect("configurations:index")
