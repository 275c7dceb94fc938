from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConvenantsConfig(AppConfig):
    name = "convenants"
    verbose_name = _("Covenants")

    def ready(self):
        from partners.security import track_changes

        from .models import ChainLink, Convenant, DeadlineRule

        for model in (Convenant, ChainLink, DeadlineRule):
            track_changes(model)
