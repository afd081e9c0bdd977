"""URLs of sig.maps."""

urlpatterns: list = []
