"""URLs of sig.ogcapi."""

urlpatterns: list = []
