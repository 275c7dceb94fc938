from django.db.models import Q
from django.utils import timezone

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
