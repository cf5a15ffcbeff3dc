"""`/health/` for load balancers and `/metrics/` for Prometheus.

- `/health/`: no login (a load balancer has none), no detail beyond ok/failing per check, so it
  tells an outsider nothing: the database answers a query, and the task queue's broker answers.
  200 when both do, 503 otherwise. Exempt from the HTTPS redirect (health checks often probe
  plain HTTP behind the TLS terminator).
- `/metrics/`: Prometheus text format (prometheus-client). Protected: a scraper sends
  ``Authorization: Bearer <LSYNC_METRICS_TOKEN>``, or a signed-in user holds "view sync status".
  The figures are read from the database at each scrape, so every worker process and machine
  reports the same numbers (no per-process counters to aggregate).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from connections.permissions import MANAGE_SYNC, VIEW_SYNC_STATUS
from mappings.models import ApiUsageSample, RunStatus, SyncRun
from syncengine import budget, latency
from syncengine.models import SyncUser

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
CHANGE_PREFIXES = ("created_", "updated_", "deleted_", "linked")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not healthy"; the log says which
        logger.exception("health check: the database did not answer")
        return False


def queue_depth() -> int | None:
    """Tasks waiting in django-q2's broker; None when the broker does not answer."""
    from django_q.brokers import get_broker

    try:
        broker = get_broker()
        if not broker.ping():
            return None
        return int(broker.queue_size() or 0)
    except Exception:
        logger.exception("health check: the task queue's broker did not answer")
        return None


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    database = _database_ok()
    depth = queue_depth() if database else None
    checks = {
        "database": "ok" if database else "failing",
        "queue": "ok" if depth is not None else "failing",
    }
    healthy = database and depth is not None
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503
    )


class LsyncCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        runs = SyncRun.objects.filter(started_at__gte=now - WINDOW)

        by_status = GaugeMetricFamily(
            "lsync_sync_runs_24h", "Sync runs started in the last 24 h.", labels=["kind", "status"]
        )
        for row in runs.values("kind", "status").annotate(n=Count("pk")).order_by():
            by_status.add_metric([row["kind"], row["status"]], row["n"])
        yield by_status

        items = GaugeMetricFamily(
            "lsync_items_synced_24h",
            "Items created, updated, deleted or linked by runs of the last 24 h.",
            labels=["kind"],
        )
        totals: dict[str, int] = {}
        for kind, counts in runs.values_list("kind", "counts"):
            changed = sum(
                int(v) for k, v in (counts or {}).items() if k.startswith(CHANGE_PREFIXES)
            )
            totals[kind] = totals.get(kind, 0) + changed
        for kind, total in sorted(totals.items()):
            items.add_metric([kind], total)
        yield items

        calls = GaugeMetricFamily(
            "lsync_api_calls_24h",
            "API calls lsync made in the last 24 h, per provider.",
            labels=["provider"],
        )
        calls.add_metric(["salesforce"], budget.Ledger(now).rolling(now))  # as /status/ sums it
        mail = runs.annotate(mail=F("api_calls") - F("salesforce_api_calls")).values(
            "sync_user__mail_connection__method"
        )
        for mail_row in mail.annotate(n=Sum("mail")).order_by():
            calls.add_metric(
                [mail_row["sync_user__mail_connection__method"] or "none"], int(mail_row["n"] or 0)
            )
        yield calls

        throttled = GaugeMetricFamily(
            "lsync_throttled",
            "Throttling: users waiting on a provider's Retry-After now, and throttled runs of the last 24 h.",
            labels=["what"],
        )
        throttled.add_metric(
            ["users_now"], SyncUser.objects.filter(throttled_until__gt=now).count()
        )
        throttled.add_metric(["runs_24h"], runs.filter(status=RunStatus.THROTTLED).count())
        yield throttled

        depth = queue_depth()
        queue = GaugeMetricFamily(
            "lsync_queue_depth", "Tasks waiting in the task queue (-1: broker not answering)."
        )
        queue.add_metric([], -1 if depth is None else depth)
        yield queue

        sample = ApiUsageSample.objects.first()
        if sample is not None:
            org = GaugeMetricFamily(
                "lsync_salesforce_org_api",
                "The org's Salesforce API use in the rolling 24 h and its daily allocation, as last reported.",
                labels=["what"],
            )
            org.add_metric(["used"], sample.used)
            org.add_metric(["allocation"], sample.daily_limit)
            yield org

        delay = GaugeMetricFamily(
            "lsync_sync_delay_seconds",
            "Delay from an edit to lsync's write on the other side over the last 24 h.",
            labels=["direction", "quantile"],
        )
        for direction in latency.summary(now):
            for quantile, seconds in (("0.5", direction.p50), ("0.95", direction.p95)):
                if seconds is not None:
                    delay.add_metric([direction.key, quantile], seconds)
        yield delay

        users = GaugeMetricFamily(
            "lsync_sync_users", "Enrolled sync users by link status.", labels=["link_status"]
        )
        for user_row in SyncUser.objects.values("link_status").annotate(n=Count("pk")).order_by():
            users.add_metric([user_row["link_status"]], user_row["n"])
        yield users


def _authorized(request: HttpRequest) -> bool:
    token = str(getattr(settings, "LSYNC_METRICS_TOKEN", "") or "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    user = request.user
    return bool(
        user.is_authenticated and (user.has_perm(VIEW_SYNC_STATUS) or user.has_perm(MANAGE_SYNC))
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorized(request):
        response = HttpResponse(
            "Metrics need a bearer token or the 'view sync status' permission.\n",
            status=401,
            content_type="text/plain",
        )
        response["WWW-Authenticate"] = 'Bearer realm="lsync metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LsyncCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
