import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import BusinessError
from partners.models import Organisation, OrganisationKind
from signals.models import SignalCase, SignalKind

from .deadlines import add_days
from .models import (
    DEFAULT_OUTREACH_CONTACT_DAYS,
    DEFAULT_OUTREACH_CRISIS_DAYS,
    DEFAULT_POLICY,
    MATCHING_PERIOD_MONTHS,
    ChainLink,
    Convenant,
    DeadlineKind,
    DeadlineRule,
    EscalationPolicy,
    deadline_days,
)
from .selectors import outreach_owner, postcode_area_ranges

CHAIN_KINDS = {OrganisationKind.DEBT_ASSISTANCE, OrganisationKind.WELFARE, OrganisationKind.SOCIAL_TEAM}
# Who may reach out to households with matched signals on the municipality's behalf.
OUTREACH_KINDS = CHAIN_KINDS | {OrganisationKind.MUNICIPALITY}
# The vroegsignalering settings (DESIGN.md "Vroegsignalering (Wgs) for the municipality").
OUTREACH_FIELDS = ("cbs_municipality_code", "outreach_organisation", "matching_period_months", "signal_minimums",
                   "outreach_contact_days", "outreach_crisis_days", "postcode_areas")
MAX_SIGNAL_MINIMUM = 100_000
POSTCODE_AREA = re.compile(r"[1-9][0-9]{3}(-[1-9][0-9]{3})?")
CBS_CODE = re.compile(r"[0-9]{4}")  # ASCII digits: str.isdigit() also takes "²³¹⁴", which the database refuses


class ConvenantError(BusinessError):
    pass


def deadline_for(convenant: Convenant, kind: str, start):
    """When a deadline of `kind` that starts at `start` ends under this convenant."""
    return add_days(start, deadline_days(convenant, kind), working_days=convenant.working_days)


def chain_of(convenant: Convenant) -> list[Organisation]:
    return [link.organisation for link in convenant.chain_links.select_related("organisation").order_by("position")]


def _validate(*, name, municipality, parties, chain, deadlines, policies, retention_months, valid_from, valid_until,
              signal_retention_months=None):
    if not name or not name.strip():
        raise ConvenantError(_("Give the covenant a name."), field="name")
    if not municipality or not municipality.strip():
        raise ConvenantError(_("Enter the covenant's municipality."), field="municipality")
    if len(set(p.pk for p in parties)) != len(parties):
        raise ConvenantError(_("A party appears twice in the list."), field="parties")
    party_ids = {p.pk for p in parties}
    if len({o.pk for o in chain}) != len(chain):
        raise ConvenantError(_("An organisation appears twice in the chain."), field="chain")
    for organisation in chain:
        if organisation.pk not in party_ids:
            raise ConvenantError(
                _("%(org)s is in the chain but is not a party to the covenant.") % {"org": organisation},
                field="chain",
            )
        if organisation.kind not in CHAIN_KINDS:
            raise ConvenantError(
                _("%(org)s cannot be a chain partner: only debt assistance, welfare and social teams can.")
                % {"org": organisation},
                field="chain",
            )
    for kind, days in (deadlines or {}).items():
        if kind not in DeadlineKind.values:
            raise ConvenantError(_("Unknown deadline: %(kind)s.") % {"kind": kind}, field="deadlines")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1 or days > 365:
            raise ConvenantError(
                _("The deadline %(kind)s must be a whole number of days between 1 and 365.") % {"kind": kind},
                field="deadlines",
            )
    for kind, policy in (policies or {}).items():
        if kind not in DeadlineKind.values:
            raise ConvenantError(_("Unknown deadline: %(kind)s.") % {"kind": kind}, field="policies")
        if policy not in EscalationPolicy.values:
            raise ConvenantError(_("Unknown escalation policy: %(policy)s.") % {"policy": policy}, field="policies")
    if retention_months is not None and not 1 <= retention_months <= 120:
        raise ConvenantError(_("The retention period is between 1 and 120 months."), field="retention_months")
    if signal_retention_months is not None and not 1 <= signal_retention_months <= 120:
        raise ConvenantError(
            _("The retention period is between 1 and 120 months."), field="signal_retention_months"
        )
    if valid_from and valid_until and valid_until < valid_from:
        raise ConvenantError(_("The end date is before the start date."), field="valid_until")


def _validate_outreach(parties, *, cbs_municipality_code="", outreach_organisation=None, matching_period_months=1,
                       signal_minimums=None, outreach_contact_days=DEFAULT_OUTREACH_CONTACT_DAYS,
                       outreach_crisis_days=DEFAULT_OUTREACH_CRISIS_DAYS, postcode_areas=None):
    areas = postcode_areas or []
    if not isinstance(areas, list) or not all(isinstance(area, str) and POSTCODE_AREA.fullmatch(area)
                                              for area in areas):
        raise ConvenantError(_("Give the postcode areas as four digits or a range, e.g. 7511 or 7511-7548."),
                             field="postcode_areas")
    for low, high in postcode_area_ranges(areas):
        if low > high:
            raise ConvenantError(_("A postcode range runs from low to high, e.g. 7511-7548."), field="postcode_areas")
    code = cbs_municipality_code or ""
    if code and not CBS_CODE.fullmatch(code):
        raise ConvenantError(_("The CBS municipality code is four digits, e.g. 0153."), field="cbs_municipality_code")
    if outreach_organisation is not None:
        if outreach_organisation.pk not in {party.pk for party in parties}:
            raise ConvenantError(
                _("%(org)s does the outreach but is not a party to the covenant.") % {"org": outreach_organisation},
                field="outreach_organisation",
            )
        if outreach_organisation.kind not in OUTREACH_KINDS:
            raise ConvenantError(
                _("%(org)s cannot do the outreach: only the municipality, debt assistance, welfare and social teams "
                  "can.") % {"org": outreach_organisation},
                field="outreach_organisation",
            )
    if matching_period_months not in MATCHING_PERIOD_MONTHS:
        raise ConvenantError(
            _("The matching period is one of %(months)s months.")
            % {"months": ", ".join(str(months) for months in MATCHING_PERIOD_MONTHS)},
            field="matching_period_months",
        )
    if not isinstance(signal_minimums or {}, dict):
        raise ConvenantError(_("Give the minimums as {kind: euros}."), field="signal_minimums")
    for kind, amount in (signal_minimums or {}).items():
        if kind not in SignalKind.values:
            raise ConvenantError(_("Unknown kind of signal: %(kind)s.") % {"kind": kind}, field="signal_minimums")
        if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount <= MAX_SIGNAL_MINIMUM:
            raise ConvenantError(
                _("The minimum for %(kind)s is an amount in euros between 0 and %(max)s.")
                % {"kind": kind, "max": MAX_SIGNAL_MINIMUM},
                field="signal_minimums",
            )
    for field, days in (("outreach_contact_days", outreach_contact_days), ("outreach_crisis_days", outreach_crisis_days)):
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ConvenantError(_("A contact term is a whole number of days between 1 and 365."), field=field)
    if outreach_crisis_days > outreach_contact_days:
        raise ConvenantError(
            _("The contact term for a crisis signal is not longer than the normal one."), field="outreach_crisis_days"
        )


def _write_rules(convenant, deadlines, policies):
    existing = {rule.kind: rule for rule in convenant.deadline_rules.all()}
    for kind in DeadlineKind.values:
        rule = existing.get(kind)
        days = (deadlines or {}).get(kind, rule.days if rule else deadline_days(convenant, kind))
        policy = (policies or {}).get(kind, rule.policy if rule else DEFAULT_POLICY[kind])
        DeadlineRule.objects.update_or_create(convenant=convenant, kind=kind, defaults={"days": days, "policy": policy})
    convenant.__dict__.pop("_rules_by_kind", None)


def _write_chain(convenant, chain):
    convenant.chain_links.all().delete()
    ChainLink.objects.bulk_create(
        ChainLink(convenant=convenant, organisation=organisation, position=position)
        for position, organisation in enumerate(chain, start=1)
    )


@transaction.atomic
def create_convenant(
    *,
    name,
    municipality,
    parties,
    chain,
    deadlines=None,
    policies=None,
    working_days=True,
    retention_months=24,
    valid_from=None,
    valid_until=None,
    signal_retention_months=6,
    **outreach,
) -> Convenant:
    """A new convenant. Deadlines not given take the defaults of DESIGN.md; `outreach`: the vroegsignalering
    settings (OUTREACH_FIELDS)."""
    _validate(
        name=name,
        municipality=municipality,
        parties=list(parties),
        chain=list(chain),
        deadlines=deadlines,
        policies=policies,
        retention_months=retention_months,
        valid_from=valid_from,
        valid_until=valid_until,
        signal_retention_months=signal_retention_months,
    )
    unknown = set(outreach) - set(OUTREACH_FIELDS)
    if unknown:
        raise TypeError(f"create_convenant() got unexpected arguments {sorted(unknown)}")
    _validate_outreach(list(parties), **outreach)
    convenant = Convenant.objects.create(
        name=name.strip(),
        municipality=municipality.strip(),
        working_days=working_days,
        retention_months=retention_months,
        signal_retention_months=signal_retention_months,
        valid_from=valid_from,
        valid_until=valid_until,
        **outreach,
    )
    convenant.parties.set(parties)
    _write_chain(convenant, list(chain))
    _write_rules(convenant, deadlines, policies)
    _check_postcode_areas_free(convenant)
    return convenant


@transaction.atomic
def update_convenant(convenant: Convenant, **changes) -> Convenant:
    """Change a convenant. Deadlines already running keep their date; new ones follow the new rules."""
    convenant = Convenant.objects.select_for_update().get(pk=convenant.pk)
    parties = list(changes.get("parties", convenant.parties.all()))
    chain = list(changes.get("chain", chain_of(convenant)))
    _validate(
        name=changes.get("name", convenant.name),
        municipality=changes.get("municipality", convenant.municipality),
        parties=parties,
        chain=chain,
        deadlines=changes.get("deadlines"),
        policies=changes.get("policies"),
        retention_months=changes.get("retention_months", convenant.retention_months),
        valid_from=changes.get("valid_from", convenant.valid_from),
        valid_until=changes.get("valid_until", convenant.valid_until),
        signal_retention_months=changes.get("signal_retention_months", convenant.signal_retention_months),
    )
    _validate_outreach(parties, **{field: changes.get(field, getattr(convenant, field)) for field in OUTREACH_FIELDS})
    for field in ("name", "municipality", "working_days", "retention_months", "signal_retention_months",
                  "valid_from", "valid_until", *OUTREACH_FIELDS):
        if field in changes:
            setattr(convenant, field, changes[field])
    convenant.save()
    if "parties" in changes:
        convenant.parties.set(parties)
    if "chain" in changes:
        _write_chain(convenant, chain)
    _write_rules(convenant, changes.get("deadlines"), changes.get("policies"))
    _check_postcode_areas_free(convenant)
    _hand_open_signal_cases_on(convenant)
    return convenant


def _check_postcode_areas_free(convenant) -> None:
    """A postcode belongs to one municipality: no other municipality's convenant may claim it too."""
    mine = postcode_area_ranges(convenant.postcode_areas)
    if not mine:
        return
    others = (Convenant.objects.exclude(pk=convenant.pk).exclude(municipality__iexact=convenant.municipality)
              .exclude(postcode_areas=[]).order_by("name"))
    for other in others:
        for low, high in postcode_area_ranges(other.postcode_areas):
            if any(low <= my_high and my_low <= high for my_low, my_high in mine):
                raise ConvenantError(
                    _("The postcodes %(low)s-%(high)s belong to %(municipality)s (covenant “%(convenant)s”).")
                    % {"low": low, "high": high, "municipality": other.municipality, "convenant": other.name},
                    field="postcode_areas",
                )


def _hand_open_signal_cases_on(convenant) -> None:
    """Another outreach organisation (or none: the municipality itself) takes over the open vroegsignaal cases, so
    that the one before no longer reads or works them; closed cases stay with whoever closed them."""
    owner = outreach_owner(convenant)
    if owner is not None:
        SignalCase.objects.filter(convenant=convenant, closed_at__isnull=True).exclude(owner=owner).update(
            owner=owner, updated_at=timezone.now()
        )
