"""Django admin (pt-PT) for people: role, municipalities, QGIS login and API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from sig.editing.accounts import set_role
from sig.editing.models import Perfil, TokenApi

admin.site.site_header = "Administração do SIG Intermunicipal da Região de Leiria"
admin.site.site_title = "SIG CIMRL"

User = get_user_model()


class PerfilInline(admin.StackedInline):
    model = Perfil
    can_delete = False
    fields = ("papel", "municipios", "login_qgis")
    readonly_fields = ("login_qgis",)
    filter_horizontal = ("municipios",)


class TokenInline(admin.TabularInline):
    model = TokenApi
    extra = 0
    fields = ("prefixo", "criado_em", "usado_em")
    readonly_fields = fields
    can_delete = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # tokens are issued with `sig token NAME`, which shows the key once


class PersonAdmin(UserAdmin):
    inlines = (PerfilInline, TokenInline)
    list_display = ("username", "first_name", "last_name", "papel", "is_active", "last_login")

    @admin.display(description="papel")
    def papel(self, user) -> str:
        perfil = Perfil.objects.filter(user=user).first()
        return perfil.get_papel_display() if perfil else "—"

    def save_related(self, request, form, formsets, change) -> None:
        """Keep staff/superuser flags in step with the role chosen in the profile."""
        super().save_related(request, form, formsets, change)
        perfil = Perfil.objects.filter(user=form.instance).first()
        if perfil:
            dicos = list(perfil.municipios.values_list("dico", flat=True))
            set_role(form.instance, perfil.papel, dicos)


admin.site.unregister(User)
admin.site.register(User, PersonAdmin)

