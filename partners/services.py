from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.errors import BusinessError

from .models import Membership, Organisation, OrganisationKind, Role

User = get_user_model()


class PartnerError(BusinessError):
    pass


# The organisation's auth groups are named after it ("org-managers:" + name) and a group name holds 150 characters.
MAX_NAME_LENGTH = 150 - len("org-managers:")


@transaction.atomic
def create_organisation(*, name: str, kind: str, municipality: str, email: str = "") -> Organisation:
    name = (name or "").strip()
    if not name:
        raise PartnerError(_("Give the organisation a name."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise PartnerError(
            _("The name is at most %(count)s characters long.") % {"count": MAX_NAME_LENGTH}, field="name"
        )
    if kind not in OrganisationKind.values:
        raise PartnerError(_("Unknown kind of organisation: %(kind)s.") % {"kind": kind}, field="kind")
    if not (municipality or "").strip():
        raise PartnerError(_("Enter the municipality."), field="municipality")
    if Organisation.objects.filter(name=name).exists():
        raise PartnerError(_("An organisation with this name already exists."), field="name")
    group = Group.objects.create(name=f"org:{name}")
    managers_group = Group.objects.create(name=f"org-managers:{name}")
    return Organisation.objects.create(
        name=name,
        kind=kind,
        municipality=municipality.strip(),
        email=email,
        group=group,
        managers_group=managers_group,
    )


def _sync_groups(membership: Membership):
    user, organisation = membership.user, membership.organisation
    own = [organisation.group_id, organisation.managers_group_id]
    stale = user.groups.filter(Q(organisation__isnull=False) | Q(managed_organisation__isnull=False)).exclude(pk__in=own)
    user.groups.remove(*stale)
    user.groups.add(organisation.group)
    if membership.role == Role.MANAGER:
        user.groups.add(organisation.managers_group)
    else:
        user.groups.remove(organisation.managers_group)


@transaction.atomic
def set_membership(*, user, organisation: Organisation, role: str) -> Membership:
    """Make `user` a member of `organisation` in `role`; their group membership follows."""
    if role not in Role.values:
        raise PartnerError(_("Unknown role: %(role)s.") % {"role": role}, field="role")
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"organisation": organisation, "role": role}
    )
    _sync_groups(membership)
    return membership


@transaction.atomic
def remove_membership(*, user) -> None:
    """The user leaves their organisation and loses every case permission that came with it."""
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    if membership is None:
        return
    user.groups.remove(membership.organisation.group, membership.organisation.managers_group)
    membership.delete()


@transaction.atomic
def create_user(
    *, username: str, password: str, email: str = "", organisation: Organisation, role: str, first_name: str = "",
    last_name: str = "",
):
    username = (username or "").strip()
    if not username:
        raise PartnerError(_("Enter a username."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise PartnerError(_("This username is already taken."), field="username")
    if role not in Role.values:
        raise PartnerError(_("Unknown role: %(role)s.") % {"role": role}, field="role")
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise PartnerError(" ".join(exc.messages), field="password") from exc
    candidate.set_password(password)
    try:
        candidate.save()
    except IntegrityError as exc:
        raise PartnerError(_("This username is already taken."), field="username") from exc
    set_membership(user=candidate, organisation=organisation, role=role)
    return candidate
