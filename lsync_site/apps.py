from __future__ import annotations

from django.apps import AppConfig


class LsyncSiteConfig(AppConfig):
    name = "lsync_site"
    verbose_name = "lsync"

    def ready(self) -> None:
        from lsync_site import checks  # noqa: F401  (registers the system checks)
