"""The product's routes plus one that fails, to see the 500 page as a user would (tests only)."""

from django.urls import include, path


def broken(request):
    raise RuntimeError("database password is hunter2")


urlpatterns = [path("kapot/", broken), path("", include("config.urls"))]

handler400 = "config.webhelpers.bad_request"
handler403 = "config.webhelpers.permission_denied"
handler404 = "config.webhelpers.page_not_found"
handler500 = "config.webhelpers.server_error"
