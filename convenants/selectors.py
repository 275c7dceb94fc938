from django.db.models import Q
from django.utils import timezone

from partners.models import Organisation, OrganisationKind

from .models import Convenant


def convenant_for_corporation(corporation, *, on=None):
    """The convenant a new case of this corporation falls under: valid today, in its municipality first."""
    on = on or timezone.localdate()
    candidates = (
        Convenant.objects.filter(parties=corporation)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .prefetch_related("deadline_rules")
    )
    return candidates.filter(municipality=corporation.municipality).first() or candidates.order_by("pk").first()


def outreach_owner(convenant: Convenant) -> Organisation | None:
    """Who reaches out to the households of the convenant's vroegsignaal cases: its outreach organisation, else the
    municipality's own organisation."""
    if convenant.outreach_organisation_id:
        return convenant.outreach_organisation
    return (
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, municipality__iexact=convenant.municipality)
        .order_by("pk")
        .first()
    )


def postcode_area_ranges(areas) -> list[tuple[int, int]]:
    """["7511", "7513-7548"] → [(7511, 7511), (7513, 7548)] (areas as the convenant service stored them)."""
    ranges = []
    for area in areas or []:
        low, _dash, high = area.partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges


def municipalities_by_postcode_area() -> list[tuple[int, int, str]]:
    """(low, high, municipality) of every convenant's postcode areas: where a household's signal belongs."""
    return [
        (low, high, municipality)
        for municipality, areas in Convenant.objects.exclude(postcode_areas=[]).values_list("municipality",
                                                                                            "postcode_areas")
        for low, high in postcode_area_ranges(areas)
    ]
