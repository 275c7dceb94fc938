from django.urls import include, path

urlpatterns = [
    path("", include("cases.api.cases")),
    path("", include("cases.api.arrangements")),
    path("", include("cases.api.handovers")),
    path("", include("cases.api.escalations")),
    path("", include("cases.api.eviction")),
    path("", include("cases.api.dashboard")),
    path("", include("cases.api.notifications")),
    path("", include("cases.api.access_log")),
    path("", include("cases.api.tenants")),
    path("", include("cases.api.tasks")),
]
