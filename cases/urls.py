"""Web UI of the cases app. Each views module owns its own urlpatterns."""

from django.urls import include, path

app_name = "cases"

urlpatterns = [
    path("", include("cases.views.casework")),
    path("", include("cases.views.handovers")),
    path("", include("cases.views.escalations")),
    path("", include("cases.views.eviction")),
    path("", include("cases.views.dashboard")),
    path("", include("cases.views.notifications")),
    path("", include("cases.views.access_log")),
    path("", include("cases.views.tenant_export")),
    path("", include("cases.views.tasks")),
]
