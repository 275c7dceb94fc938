from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


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


class ApiToken(AbstractAuthToken):
    """An API token, stored only as a hash (django-rest-knox). A personal token is asked for with a password and
    expires after hours; a service token is named, serves one organisation's system (a rent system uploading the
    monthly file) and is created and revoked by the platform administrator."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="service_tokens",
        verbose_name=_("organisation"),
        help_text=_("Set for a service token: the organisation whose system uses it."),
    )
    second_factor = models.BooleanField(
        _("second factor given"), default=False,
        help_text=_("The token was asked for with a code from the user's authenticator app."),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self):
        return self.name or f"{self.user} ({self.token_key}…)"

    @property
    def is_service(self):
        return self.organisation_id is not None


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Signed out")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Second factor set up")
    SECOND_FACTOR_PASSED = "second_factor_passed", _("Second factor given")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("Second factor wrong")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor removed")
    BACKUP_CODES_RENEWED = "backup_codes_renewed", _("Backup codes renewed")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    EXPORTED = "exported", _("Exported")


class SecurityEvent(models.Model):
    """The security log: sign-ins and their failures, lockouts, second-factor and token events, and every change
    to organisations, memberships, convenants, chains and deadline rules. Append-only (a database trigger refuses
    UPDATE); rows go only when older than SECURITY_LOG_RETENTION_DAYS."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=SecurityEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=128, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "-at"]), models.Index(fields=["username", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The security log is append-only.")
        super().save(*args, **kwargs)
