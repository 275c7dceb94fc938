from django.urls import include, path

from .views import import_detail, import_signals

app_name = "signals"

urlpatterns = [
    path("import/", import_signals, name="import"),
    path("import/<int:pk>/", import_detail, name="import-detail"),
    path("", include("signals.outreach_views")),  # vroegsignalering: the outreach worklist and case pages
    path("", include("signals.reporting_views")),  # the municipality's figures and the DDAS download
]
