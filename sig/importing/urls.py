"""URLs of sig.importing."""

urlpatterns: list = []
