"""The "Lightning Sync Status" pages: the organisation, each user, and the admin's buttons."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connections.permissions import MANAGE_SYNC, manage_sync_required, view_sync_status_required
from lsync_site.console import budget_chart, latency_chart, summary
from lsync_site.console.forms import UserFilterForm
from mappings.models import SyncIssue, UnresolvedItem
from syncengine import eligibility, operations
from syncengine.models import KindStatus, SyncConfiguration, SyncUser

RUNS_SHOWN = 25
USERS_PER_PAGE = 50


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(MANAGE_SYNC))


@view_sync_status_required
def index(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET)
    users = SyncUser.objects.select_related("configuration")
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        users = users.filter(
            Q(email__icontains=q) | Q(username__icontains=q) | Q(mailbox_address__icontains=q)
        )
    page = Paginator(users.order_by("email"), USERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"user": u, "states": summary.kind_states(u)} for u in page]
    return render(
        request,
        "status/index.html",
        {
            "org": summary.org_summary(),
            "budget": budget_chart.build(),
            "feeds": budget_chart.feed_states(),
            "latency": latency_chart.build(),
            "form": form,
            "page": page,
            "rows": rows,
            "can_manage": _can_manage(request),
            "configurations": SyncConfiguration.objects.annotate(user_count=Count("sync_users")),
        },
    )


@view_sync_status_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(
        SyncUser.objects.select_related("configuration", "mail_connection"), pk=pk
    )
    states = summary.kind_states(user)
    runs = user.runs.all()[:RUNS_SHOWN]
    return render(
        request,
        "status/user.html",
        {
            "sync_user": user,
            "link_words": summary.link_words(user),
            "connection": summary.connection_words(user),
            "states": states,
            "initial_sync": any(s.code == KindStatus.INITIAL_SYNC for s in states),
            "guard_tripped": user.issues.filter(
                code__startswith="guard", resolved_at__isnull=True, ignored=False
            ).exists(),
            "runs": summary.run_rows(runs),
            "issues": summary.open_issues().filter(sync_user=user),
            "unresolved_open": UnresolvedItem.objects.filter(
                sync_user=user, resolved_at__isnull=True, ignored=False
            ).count(),
            "can_manage": _can_manage(request),
        },
    )


@require_POST
@manage_sync_required
def sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(
        SyncUser.objects.select_related("configuration", "mail_connection"), pk=pk
    )
    if user.configuration is None or not user.configuration.active:
        messages.error(request, f"{user} is not assigned to an active sync configuration.")
        return redirect("status:user", pk=user.pk)
    refused = eligibility.not_linked(user)
    if refused:
        messages.error(request, refused)
        return redirect("status:user", pk=user.pk)
    waiting = eligibility.throttled(user)
    if waiting:
        messages.warning(request, waiting)
        return redirect("status:user", pk=user.pk)
    operations.sync_now(user.pk)
    messages.success(request, f"Sync of {user} started; the run appears in the history.")
    return redirect("status:user", pk=user.pk)


@manage_sync_required
def reset_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST forgets the user's links and cursors."""
    user = get_object_or_404(SyncUser, pk=pk)
    if request.method == "POST":
        outcome = operations.reset_sync([user.pk])
        if outcome.busy:
            messages.error(
                request,
                f"{user} is syncing right now; nothing was reset. Try again when the run is over.",
            )
        else:
            messages.success(
                request,
                f"Sync of {user} reset: {outcome.links} link(s) forgotten. The next run lists "
                "both sides and matches items before creating anything.",
            )
        return redirect("status:user", pk=user.pk)
    return render(
        request,
        "status/reset_confirm.html",
        {"sync_user": user, "links": user.mappings.count()},
    )


@require_POST
@manage_sync_required
def approve_guard(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(SyncUser, pk=pk)
    operations.approve_guard_once(SyncUser.objects.filter(pk=user.pk))
    messages.warning(request, f"The next run of {user} may pass a tripped guard, once.")
    return redirect("status:user", pk=user.pk)


@require_POST
@manage_sync_required
def retry_issue(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(SyncIssue, pk=pk)
    if operations.retry_issues(SyncIssue.objects.filter(pk=issue.pk)):
        messages.success(request, "The issue will be retried on the next run (due now).")
    return redirect("status:user", pk=issue.sync_user_id)


@require_POST
@manage_sync_required
def ignore_issue(request: HttpRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(SyncIssue, pk=pk)
    if operations.ignore_issues(SyncIssue.objects.filter(pk=issue.pk)):
        messages.success(request, "The issue is ignored.")
    return redirect("status:user", pk=issue.sync_user_id)
