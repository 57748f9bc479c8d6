"""The knowledge base and challenge picture, at /knowledge/. Each view module lists its routes."""

from .views import imports, profiles, research

app_name = "insight"
urlpatterns = [*profiles.urlpatterns, *imports.urlpatterns, *research.urlpatterns]
