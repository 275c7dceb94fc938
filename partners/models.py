from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CORPORATION = "corporation", _("Housing corporation")
    DEBT_ASSISTANCE = "debt_assistance", _("Debt assistance")
    WELFARE = "welfare", _("Welfare")
    SOCIAL_TEAM = "social_team", _("Social team")
    MUNICIPALITY = "municipality", _("Municipality")
    UTILITY = "utility", _("Energy or water company")
    HEALTH_INSURER = "health_insurer", _("Health insurer")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    MANAGER = "manager", _("Manager")


class Organisation(models.Model):
    """A party in the chain. Its members are in `group`, to which case permissions are granted."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    municipality = models.CharField(_("municipality"), max_length=100)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation")
    # Managers are in this group as well: an eviction proposal lets the chain partners' managers (only) view.
    managers_group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="managed_organisation")
    email = models.EmailField(_("email address"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self):
        return self.name

    @property
    def is_corporation(self):
        return self.kind == OrganisationKind.CORPORATION

    @property
    def is_municipality(self):
        return self.kind == OrganisationKind.MUNICIPALITY


class Membership(models.Model):
    """A user works for exactly one organisation, in one role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"

    @property
    def is_manager(self):
        return self.role == Role.MANAGER
