from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from search.schema import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="search.after_migrate")
