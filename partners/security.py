"""The security log (partners.SecurityEvent): one append-only table for sign-ins, lockouts, second-factor and token
events and for every change to the organisations, memberships and convenant rules, with who, from which address,
before and after. Changes are caught by model signals, so the admin, the API and the shell all leave a trace."""

import contextvars
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone

from .models import SecurityEvent, SecurityEventKind

Kind = SecurityEventKind
User = get_user_model()

_request = contextvars.ContextVar("security_request", default=None)


class RequestContextMiddleware:
    """Remembers the request of this thread, so that a model change made deep in a service is logged with who
    made it and from which address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def client_address(request) -> str | None:
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


def _actor(request, user):
    if user is None and request is not None:
        # DRF sets the token's user on its own request object; the Django request keeps the session's user.
        candidate = getattr(request, "user", None)
        if candidate is not None and getattr(candidate, "is_authenticated", False):
            user = candidate
    return user


def record(kind: str, *, request=None, user=None, username: str = "", obj=None, before=None, after=None,
           detail=None) -> SecurityEvent:
    request = request if request is not None else _request.get()
    user = _actor(request, user)
    if user is not None and not getattr(user, "pk", None):
        user = None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=client_address(request) if request is not None else None,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        detail=detail or {},
    )


def purge_old_events(*, now=None) -> int:
    """The log keeps its rows for SECURITY_LOG_RETENTION_DAYS (daily beat task)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SECURITY_LOG_RETENTION_DAYS)
    deleted, _rows = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def _snapshot(instance, fields) -> dict:
    return {name: _plain(getattr(instance, field.attname)) for name, field in fields.items()}


def track_changes(model, *, exclude=()):
    """Log every create, change and delete of `model` (and of its many-to-many fields) with the fields before
    and after. Only the fields that changed are written for a change."""
    fields = {
        f.name: f for f in model._meta.concrete_fields
        if f.name not in exclude and not f.primary_key and not getattr(f, "auto_now", False)
    }

    def remember(sender, instance, raw=False, **kwargs):
        if raw or instance.pk is None:
            instance._security_before = None
            return
        old = sender._base_manager.filter(pk=instance.pk).first()
        instance._security_before = _snapshot(old, fields) if old is not None else None

    def saved(sender, instance, created, raw=False, **kwargs):
        if raw:
            return
        after = _snapshot(instance, fields)
        before = getattr(instance, "_security_before", None)
        if created or before is None:
            record(Kind.CREATED, obj=instance, after=after)
            return
        changed = [name for name in after if before.get(name) != after[name]]
        if changed:
            record(Kind.CHANGED, obj=instance, before={n: before[n] for n in changed},
                   after={n: after[n] for n in changed})

    def deleted(sender, instance, **kwargs):
        record(Kind.DELETED, obj=instance, before=_snapshot(instance, fields))

    uid = f"security-{model._meta.label}"
    pre_save.connect(remember, sender=model, weak=False, dispatch_uid=f"{uid}-pre")
    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"{uid}-post")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"{uid}-delete")

    for m2m in model._meta.many_to_many:
        def related_changed(sender, instance, action, pk_set, field_name=m2m.name, **kwargs):
            if action not in ("post_add", "post_remove", "post_clear"):
                return
            change = sorted(pk_set or [])
            key = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
            record(Kind.CHANGED, obj=instance, after={field_name: {key: change}})

        m2m_changed.connect(related_changed, sender=m2m.remote_field.through, weak=False,
                            dispatch_uid=f"{uid}-{m2m.name}")


def _logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, request=request, user=user)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, request=request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    record(Kind.LOCKED_OUT if locked else Kind.LOGIN_FAILED, request=request, username=username,
           user=User.objects.filter(username=username).first() if username else None)


def connect():
    from .models import Membership, Organisation

    user_logged_in.connect(_logged_in, dispatch_uid="security-login")
    user_logged_out.connect(_logged_out, dispatch_uid="security-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="security-login-failed")
    track_changes(Organisation)
    track_changes(Membership)
