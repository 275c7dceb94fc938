"""A handover whose dossier holds nothing (anonymised: `{}`) still renders on the case page and in the inbox."""

import pytest

from cases import services
from cases.models import Handover

pytestmark = pytest.mark.django_db


def test_a_case_with_an_emptied_dossier_renders_for_the_corporation_and_the_partner(client, region):
    case = services.open_case(region.consultant, arrears_amount="640.00", months_in_arrears=1, tenant={
        "name": "Lege Dossierhuurder", "contract_ref": "LD-1", "street": "Leegstraat", "house_number": "1",
        "postcode": "7511 AC", "city": "Enschede",
    })
    handover = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                       summary="Graag oppakken", tenant_consent=True)
    Handover.objects.filter(pk=handover.pk).update(dossier={})
    client.force_login(region.consultant)
    page = client.get(f"/casussen/{case.pk}/")
    assert page.status_code == 200
    client.force_login(region.debt_coach)
    inbox = client.get("/inbox/")
    assert inbox.status_code == 200
    assert 'data-testid="dossier-empty"' in inbox.content.decode()
