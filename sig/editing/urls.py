"""URLs of sig.editing, mounted at `/editor/`."""

from django.contrib.auth import views as auth_views
from django.urls import path

from sig.editing import api, editor_api, views

app_name = "editing"

ITEMS = "api/collections/<str:collection>/items"

urlpatterns = [
    path("", views.editor, name="editor"),
    path("entrar/", views.LoginView.as_view(), name="login"),
    path("sair/", auth_views.LogoutView.as_view(next_page="editing:login"), name="logout"),
    path("palavra-passe/", views.PasswordChangeView.as_view(), name="password_change"),
    path("palavra-passe/alterada/", views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("alteracoes/", views.changes_page, name="changes"),
    path("alteracoes.json", views.changes_json, name="changes_json"),
    path("alteracoes.atom", views.changes_atom, name="changes_atom"),
    path("api/municipios", editor_api.boundaries, name="boundaries"),
    path("api/importacoes", editor_api.upload, name="upload"),
    path("api/importacoes/<int:job_id>", editor_api.upload_status, name="upload_status"),
    path("api/importacoes/<int:job_id>/quarentena", editor_api.upload_quarantine,
         name="upload_quarantine"),
    path(ITEMS, api.dispatch_items, name="items"),
    path(f"{ITEMS}/<str:item_id>", api.dispatch_items, name="item"),
    path(f"{ITEMS}/<str:item_id>/historico", editor_api.feature_history, name="history"),
    path(f"{ITEMS}/<str:item_id>/reverter", editor_api.revert, name="revert"),
    path(f"{ITEMS}/<str:item_id>/restaurar", editor_api.restore, name="restore"),
    path("api/collections/<str:collection>/eliminados", editor_api.deleted, name="deleted"),
    path("api/collections/<str:collection>/lote", editor_api.bulk_update, name="bulk"),
]
