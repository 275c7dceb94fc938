from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from tests.factories import CaseFactory


@pytest.fixture
def unreached_case(region):
    """Scenario 2: a tenant of the corporation, not reached in three attempts (phone, WhatsApp, letter)."""
    now = timezone.now()
    case = CaseFactory(
        corporation=region.corporation,
        convenant=region.convenant,
        arrears_amount="712.40",
        opened_at=now - timedelta(days=6),
        tenant={
            "name": "Fam. Bulut",
            "contract_ref": "DJ-4411",
            "street": "Lasondersingel",
            "house_number": "12",
            "postcode": "7514 BP",
            "city": "Enschede",
            "phone": "06 1234 5678",
        },
    )
    for days_ago, channel, notes in ((5, "phone", "Voicemail"), (4, "whatsapp", "Gelezen, geen reactie"),
                                     (2, "letter", "Brief met afspraakvoorstel")):
        services.log_contact_attempt(
            region.consultant, case, channel=channel, outcome="not_reached", at=now - timedelta(days=days_ago),
            notes=notes,
        )
    services.add_note(region.consultant, case, text="Buren zeggen dat de huurder zijn baan kwijt is.")
    case.refresh_from_db()
    return case


def log_in(client, user):
    client.force_login(user)
    return client
