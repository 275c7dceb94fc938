"""The second factor (django-otp): a TOTP app with backup codes, required of the roles in SECOND_FACTOR_ROLES
(administrators and managers by default) whenever SECOND_FACTOR_REQUIRED is on (by default: DEBUG off)."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import BusinessError

from . import security
from .models import Role

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "app"
BACKUP_DEVICE_NAME = "backup"


class SecondFactorError(BusinessError):
    pass


def roles_of(user) -> set[str]:
    roles = set()
    if user.is_superuser:
        roles.add("superuser")
    membership = getattr(user, "membership", None)
    if membership is not None and membership.role == Role.MANAGER:
        roles.add(Role.MANAGER)
    return roles


def required_for(user) -> bool:
    if not settings.SECOND_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return bool(roles_of(user) & set(settings.SECOND_FACTOR_ROLES))


def is_enrolled(user) -> bool:
    return user_has_device(user, confirmed=True)


def session_verified(request) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def passed(request) -> bool:
    """Whether the signed-in user of a page request may go on: no second factor needed, or it was given."""
    return not required_for(request.user) or session_verified(request)


def verify(user, code: str):
    """The confirmed device (the app or a backup code, which is then used up) that accepts the code, or None."""
    code = "".join((code or "").split())
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        with transaction.atomic():
            if device.verify_token(code):
                return device
    return None


def pending_app_device(user) -> TOTPDevice:
    """The unconfirmed app device that enrolment shows, created once and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=APP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=APP_DEVICE_NAME)
    return device


def secret_of(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]


@transaction.atomic
def confirm_enrolment(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """The user proves the app works with one code; the app device is confirmed (replacing an earlier one) and
    a fresh set of backup codes is made, shown once."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False, name=APP_DEVICE_NAME).first()
    if device is None:
        raise SecondFactorError(_("Start the set-up again: no authenticator app is waiting to be confirmed."),
                                field="code")
    if not device.verify_token("".join((code or "").split())):
        raise SecondFactorError(_("This code is not right. Enter the 6 digits your app shows now."), field="code")
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    security.record(security.Kind.SECOND_FACTOR_ENROLLED, user=user)
    return device, new_backup_codes(user=user)


@transaction.atomic
def new_backup_codes(*, user) -> list[str]:
    static, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME,
                                                          defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    security.record(security.Kind.BACKUP_CODES_RENEWED, user=user)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def reset(*, user) -> None:
    """Remove every device of a user (the administrator's answer to a lost phone): they enrol again at the next
    sign-in."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    security.record(security.Kind.SECOND_FACTOR_RESET, detail={"of": user.get_username()})
