from django.urls import path

from . import views

urlpatterns = [
    path("second-factor/", views.second_factor_verify, name="second-factor-verify"),
    path("second-factor/setup/", views.second_factor_setup, name="second-factor-setup"),
    path("second-factor/backup-codes/", views.backup_codes, name="second-factor-backup-codes"),
    path("tokens/", views.account_tokens, name="account-tokens"),
    path("security-log/", views.security_log, name="security-log"),
]
