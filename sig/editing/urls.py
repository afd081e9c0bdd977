"""URLs of sig.editing."""

urlpatterns: list = []
