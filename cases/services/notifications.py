"""In-app notifications (rows, in the caller's transaction) and e-mail (sent only after it commits)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import timezone

from partners.models import Role

from ..models import Notification

User = get_user_model()


def members_of(organisation, *, roles=(Role.CASEWORKER, Role.MANAGER)):
    return User.objects.filter(
        is_active=True, membership__organisation=organisation, membership__role__in=list(roles)
    )


def managers_of(organisation):
    return members_of(organisation, roles=(Role.MANAGER,))


def notify(users, *, subject, body="", case=None, now=None) -> int:
    """Tell `users` (a queryset or list) in the app now, and by e-mail once the transaction commits."""
    now = now or timezone.now()
    recipients = list({user.pk: user for user in users}.values())
    if not recipients:
        return 0
    Notification.objects.bulk_create(
        Notification(user=user, case=case, subject=str(subject)[:200], body=str(body), created_at=now)
        for user in recipients
    )
    messages = [
        (str(subject), str(body), settings.DEFAULT_FROM_EMAIL, [user.email]) for user in recipients if user.email
    ]
    if messages:
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(recipients)


def mark_read(user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
