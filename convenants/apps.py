from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConvenantsConfig(AppConfig):
    name = "convenants"
    verbose_name = _("Covenants")
