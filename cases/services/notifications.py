"""In-app notifications (rows, in the caller's transaction) and e-mail (sent only after it commits).

One implementation for a person's change and the escalation sweep: an Outbox collects the notifications of one
service call (or one sweep batch), writes them in one insert and hands the e-mails to cases.outbox after the
commit. A notification names no tenant and carries no free text (no summary, reason or address): it says what
happened and links to the case, whose page shows the rest to whoever may still see it (DESIGN.md, Access).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from partners.models import Organisation, OrganisationKind, Role

from ..models import Notification
from ..outbox import send_after_commit
from ..texts import Text

User = get_user_model()

ALL_ROLES = (Role.CASEWORKER, Role.MANAGER)


def case_path(case_id) -> str:
    """The link a notification gives: the case page."""
    return f"/casussen/{case_id}/"


def members_of(organisation, *, roles=ALL_ROLES, cache=None) -> list:
    """The active users of `organisation` (an Organisation or its id) with one of `roles`. `cache`: a dict the
    caller keeps (the sweep: once per run), so an organisation's members are read once."""
    pk = organisation.pk if isinstance(organisation, Organisation) else organisation
    key = (pk, tuple(sorted(roles)))
    if cache is not None and key in cache:
        return cache[key]
    users = list(
        User.objects.filter(is_active=True, membership__organisation_id=pk, membership__role__in=list(roles)).only(
            "pk", "email"
        )
    )
    if cache is not None:
        cache[key] = users
    return users


def managers_of(organisation, *, cache=None) -> list:
    return members_of(organisation, roles=(Role.MANAGER,), cache=cache)


def municipality_managers(convenant, *, cache=None) -> list:
    """The managers of the convenant's municipality (told when the chain is exhausted)."""
    key = ("municipality", convenant.pk)
    if cache is not None and key in cache:
        return cache[key]
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, convenants=convenant)
    users = [user for organisation in municipalities for user in managers_of(organisation, cache=cache)]
    if cache is not None:
        cache[key] = users
    return users


class Outbox:
    """The notifications of one service call or one sweep batch: rows in one insert, e-mails after the commit.
    `queue_mails`: hand the e-mails to the worker (the sweep) instead of sending them in this process."""

    def __init__(self, *, queue_mails=False):
        self.queue_mails = queue_mails
        self.rows, self.mails = [], []

    def add(self, users, *, subject, case=None, body=None, now=None) -> int:
        """Tell `users` (each once) what happened; the body is the case's link unless given."""
        now = now or timezone.now()
        subject_text = subject.as_data() if isinstance(subject, Text) else {}
        subject = subject.stored() if isinstance(subject, Text) else str(subject)
        body = str(body) if body is not None else (case_path(case.pk) if case is not None else "")
        recipients = list({user.pk: user for user in users}.values())
        for user in recipients:
            self.rows.append(Notification(user_id=user.pk, case=case, subject=subject[:200], subject_text=subject_text,
                                          body=body, created_at=now))
            if user.email:
                self.mails.append([subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]])
        return len(recipients)

    def flush(self) -> None:
        if self.rows:
            Notification.objects.bulk_create(self.rows)
        send_after_commit(self.mails, queue=self.queue_mails)
        self.rows, self.mails = [], []


def notify(users, *, subject, body=None, case=None, now=None) -> int:
    """Tell `users` in the app now, and by e-mail once the transaction commits."""
    outbox = Outbox()
    told = outbox.add(users, subject=subject, body=body, case=case, now=now)
    outbox.flush()
    return told


def mark_read(user, notification_ids=None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
