"""The municipality's outreach on vroegsignaal cases (DDAS v1.2): pick up, log a contact attempt, close with a
result (and, with further financial help, refer the household to the covenant's debt-assistance team).

Every service is one transaction: the SignalCase row locked (SELECT … FOR UPDATE), cases.policy's
check_signal_case first (NotVisible 404, ForbiddenAction 403, a closed case 400, a state that refuses 409), then
the input judged (SignalError with the field: 400), then the change and its notifications (rows now, e-mails
after the commit). The web UI (signals.outreach_views) and the REST API (signals.outreach_api) both call these.
"""

from datetime import date as date_type

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cases import policy
from cases.policy import SignalCaseAction
from cases.services.notifications import members_of, notify
from cases.texts import Text
from config.errors import NotVisible
from partners.models import Organisation, OrganisationKind

from .models import (
    STATUS_OF_RESULT,
    ContactKind,
    EndResult,
    PartOfDay,
    SignalCase,
    SignalContactAttempt,
    SignalStatus,
)
from .services import SignalError


def signal_case_path(signal_case_id) -> str:
    """The link a notification gives: the vroegsignaal case page."""
    return reverse("signals:signal-case", args=[signal_case_id])


def _locked(actor, signal_case_id, action) -> SignalCase:
    """The case row locked for this transaction, checked against the policy for `action`."""
    signal_case = SignalCase.objects.select_for_update(of=("self",)).filter(pk=signal_case_id).first()
    if signal_case is None:
        raise NotVisible(_("This vroegsignaal case does not exist or is not visible to you."))
    policy.check_signal_case(actor, signal_case, action)
    return signal_case


def _pick_up(signal_case, user, on) -> None:
    signal_case.status = SignalStatus.PICKED_UP
    signal_case.picked_up_on = on
    signal_case.picked_up_by = user


# --- pick up ------------------------------------------------------------------------------------------------------


def pick_up(user, signal_case_id, *, now=None) -> SignalCase:
    """The outreach team takes the case on: status Opgepakt, picked up today by `user`."""
    now = now or timezone.now()
    actor = policy.actor_of(user)
    with transaction.atomic():
        signal_case = _locked(actor, signal_case_id, SignalCaseAction.PICK_UP)
        _pick_up(signal_case, actor.user, timezone.localdate(now))
        signal_case.save(update_fields=["status", "picked_up_on", "picked_up_by", "updated_at"])
    return signal_case


# --- contact attempts -----------------------------------------------------------------------------------------


def _as_date(value):
    if isinstance(value, date_type):
        return value
    if isinstance(value, str):
        try:
            return date_type.fromisoformat(value)
        except ValueError:
            return None
    return None


def _attempt_errors(signal_case, *, kind, reached, day, part_of_day, today) -> list[SignalError]:
    errors = []
    if kind not in ContactKind.values:
        errors.append(SignalError(_("Choose a kind of contact from the list."), field="kind"))
    if not isinstance(reached, bool):
        errors.append(SignalError(_("Say whether the household was reached (yes or no)."), field="reached"))
    if day is None:
        errors.append(SignalError(_("Give the date of the contact attempt (YYYY-MM-DD)."), field="date"))
    elif day > today:
        errors.append(SignalError(_("The date of a contact attempt cannot be in the future."), field="date"))
    elif day < signal_case.period_start:
        errors.append(SignalError(
            _("The date lies before the matching period of this vroegsignaal case (%(start)s).")
            % {"start": signal_case.period_start.isoformat()},
            field="date",
        ))
    if part_of_day not in ("", *PartOfDay.values):
        errors.append(SignalError(_("Choose Ochtend, Middag or Avond, or leave the part of day empty."),
                                  field="part_of_day"))
    return errors


def log_contact_attempt(user, signal_case_id, *, kind, reached, date, part_of_day="", now=None) -> SignalContactAttempt:
    """One attempt to reach the household (DDAS Contactpoging). Contact means picked up: an attempt on a case
    not picked up yet picks it up (on the attempt's date). The first attempt meets the contact term: the
    case's deadline is cleared, so the sweep no longer escalates it."""
    now = now or timezone.now()
    actor = policy.actor_of(user)
    part_of_day = part_of_day or ""
    with transaction.atomic():
        signal_case = _locked(actor, signal_case_id, SignalCaseAction.LOG_CONTACT)
        day = _as_date(date)
        errors = _attempt_errors(signal_case, kind=kind, reached=reached, day=day, part_of_day=part_of_day,
                                 today=timezone.localdate(now))
        if errors:
            raise SignalError.combined(errors)
        attempt = SignalContactAttempt.objects.create(
            signal_case=signal_case, kind=kind, reached=reached, date=day, part_of_day=part_of_day,
            recorded_by=actor.user,
        )
        fields = []
        if signal_case.picked_up_on is None:
            _pick_up(signal_case, actor.user, day)
            fields += ["status", "picked_up_on", "picked_up_by"]
        if signal_case.deadline_at is not None:
            signal_case.deadline_at = None
            fields.append("deadline_at")
        if fields:
            signal_case.save(update_fields=[*fields, "updated_at"])
    return attempt


# --- closing --------------------------------------------------------------------------------------------------


def debt_assistance_team(convenant) -> Organisation | None:
    """Whom a result of further financial help refers the household to: the first debt-assistance organisation
    of the covenant's chain, else a debt-assistance party of the covenant; None when it has none."""
    if convenant is None:
        return None
    link = (
        convenant.chain_links.select_related("organisation")
        .filter(organisation__kind=OrganisationKind.DEBT_ASSISTANCE)
        .order_by("position")
        .first()
    )
    if link is not None:
        return link.organisation
    return convenant.parties.filter(kind=OrganisationKind.DEBT_ASSISTANCE).order_by("pk").first()


def close(user, signal_case_id, *, result, refer=False, now=None) -> SignalCase:
    """Close the case with a DDAS end result. Its status follows the result (STATUS_OF_RESULT; any other result
    leaves it Opgepakt, picked up today if it was not yet). `refer`: only with "Vervolghulp en/of verwijzing
    financieel": the household goes to the covenant's debt-assistance team, whose people are told and may then
    open the case (policy: REFERRED may view)."""
    now = now or timezone.now()
    actor = policy.actor_of(user)
    with transaction.atomic():
        signal_case = _locked(actor, signal_case_id, SignalCaseAction.CLOSE)
        if result not in EndResult.values:
            raise SignalError(_("Choose a result from the list."), field="result")
        if not isinstance(refer, bool):
            raise SignalError(_("Say yes or no."), field="refer")
        result = EndResult(result)
        team = None
        if refer:
            if result != EndResult.FURTHER_HELP_FINANCIAL:
                raise SignalError(
                    _("Only the result \"%(result)s\" can refer the household to debt assistance.")
                    % {"result": EndResult.FURTHER_HELP_FINANCIAL.label},
                    field="refer",
                )
            team = debt_assistance_team(signal_case.convenant)
            if team is None:
                raise SignalError(_("The covenant has no debt-assistance team to refer the household to."),
                                  field="refer")
        status = STATUS_OF_RESULT.get(result)
        if status is None:
            status = SignalStatus.PICKED_UP
            if signal_case.picked_up_on is None:
                _pick_up(signal_case, actor.user, timezone.localdate(now))
        signal_case.status = status
        signal_case.result = result
        signal_case.closed_at = now
        signal_case.closed_by = actor.user
        signal_case.deadline_at = None
        if team is not None:
            signal_case.referred_to = team
        signal_case.save(update_fields=["status", "picked_up_on", "picked_up_by", "result", "closed_at",
                                        "closed_by", "deadline_at", "referred_to", "updated_at"])
        if team is not None and team.pk != signal_case.owner_id:
            notify(
                members_of(team),
                subject=Text(gettext_noop("Vroegsignaal case #%(id)s referred to your team for further financial "
                                          "help"), id=signal_case.pk),
                body=signal_case_path(signal_case.pk),
                now=now,
            )
    return signal_case
