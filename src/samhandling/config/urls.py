from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from samhandling.organisations.actors import actor_for

from . import views
from .api import api


def _admin_for_system_administrators(request: HttpRequest) -> bool:
    """Django admin is for system administrators only, not for everyone marked staff."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return bool(user.is_superuser or actor_for(user).is_system_admin)


admin.site.has_permission = _admin_for_system_administrators  # type: ignore[method-assign]
admin.site.site_header = "Samhandling 0–24"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("samhandling.accounts.urls")),
    path("people/", include("samhandling.people.urls")),
    path("work/", include("samhandling.coordination.urls")),
    path("portal/", include("samhandling.portal.urls")),
    path("knowledge/", include("samhandling.insight.urls")),
    path("catalogue/", include("samhandling.catalogue.urls")),
    path("oidc/", include("samhandling.accounts.oidc_urls")),
    path("regions/", include("samhandling.organisations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
