"""URLs of sig.ops."""

urlpatterns: list = []
