from django.urls import path

from .views import import_detail, import_signals

app_name = "signals"

urlpatterns = [
    path("import/", import_signals, name="import"),
    path("import/<int:pk>/", import_detail, name="import-detail"),
]
