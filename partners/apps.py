from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Chain partners")

    def ready(self):
        # checks registers the deployment check, schema the OpenAPI description of our authentication classes
        from . import checks, schema, security  # noqa: F401

        security.connect()
