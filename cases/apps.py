from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from .permissions import forget_case_permission_ids

        post_migrate.connect(forget_case_permission_ids, dispatch_uid="cases.forget_case_permission_ids")
