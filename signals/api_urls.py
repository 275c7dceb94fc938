from django.urls import include, path

from .api import SignalImportDetail, SignalImportList, SignalSubmit

urlpatterns = [
    path("signals/", SignalSubmit.as_view(), name="api-signal-submit"),
    path("signal-imports/", SignalImportList.as_view(), name="api-signal-import-list"),
    path("signal-imports/<api_id:pk>/", SignalImportDetail.as_view(), name="api-signal-import-detail"),
    path("", include("signals.reporting_api")),  # the DDAS report and the monitor's figures
    path("", include("signals.outreach_api")),  # vroegsignalering: the outreach on vroegsignaal cases
]
