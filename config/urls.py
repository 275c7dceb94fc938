from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config import apidocs, health

api_v1 = [
    path("", include("partners.api_urls")),
    path("", include("convenants.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("signals.api_urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(
        extra_email_context={"valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)}), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/", include("partners.account_urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", apidocs.swagger, name="api-docs"),
    path("api/redoc/", apidocs.redoc, name="api-redoc"),
    path("signalen/", include("signals.urls")),
    path("organisatie/", include("partners.urls")),
    path("", include("cases.urls")),
]

admin.site.site_header = "Huurachterstand – functioneel beheer"
admin.site.site_title = "Huurachterstand"

# The product's own error pages (templates/400.html, 403.html, 404.html, 500.html); with DEBUG on as well, through
# config.webhelpers.ProductErrorPages.
handler400 = "config.webhelpers.bad_request"
handler403 = "config.webhelpers.permission_denied"
handler404 = "config.webhelpers.page_not_found"
handler500 = "config.webhelpers.server_error"
