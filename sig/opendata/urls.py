"""URLs of sig.opendata."""

urlpatterns: list = []
