"""The catalogue at /catalogue/: state instruments, development measures, networks, the Nordic
experience bank and learning resources. Each view module lists its routes."""

from .views import editing, interchange, public

app_name = "catalogue"
urlpatterns = [*public.urlpatterns, *editing.urlpatterns, *interchange.urlpatterns]
