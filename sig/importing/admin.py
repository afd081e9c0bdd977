"""Import runs in the Django admin: read-only (runs are written by the import only)."""

from django.contrib import admin

from sig.importing.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "status", "theme", "fonte", "app_user", "read",
                    "inserted", "updated", "unchanged", "quarantined", "deleted")
    list_filter = ("status", "theme")
    search_fields = ("fonte", "app_user")
    readonly_fields = [field.name for field in ImportRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
