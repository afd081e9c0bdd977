from django.apps import AppConfig


class OgcapiConfig(AppConfig):
    name = "sig.ogcapi"
    label = "ogcapi"
    verbose_name = "OGC API"

    def ready(self) -> None:
        """Every new theme table gets change tracking in the migration that creates it."""
        from sig.core.management.commands.makemigrations import after_each_theme_table
        from sig.ogcapi.operations import TrackChanges

        after_each_theme_table(TrackChanges, ("ogcapi", "0003_pinned_search_path"))
