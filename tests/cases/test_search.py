"""The case search (issue 16): one search for the API's `q` and the worklist's search box, over the tenant's name,
street, postcode, house number, phone, e-mail and contract number and the case number, open and closed cases,
inside the user's scope only (cases.selectors.search)."""

import pytest
from django.db import connection
from django.urls import reverse

from cases import selectors, services
from cases.models import CaseGroupObjectPermission, Tenant

pytestmark = pytest.mark.django_db

SUMMARY = "Drie keer niet bereikt; huurder stemt in met overdracht."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def open_case(region, corporation=None, user=None, **tenant):
    corporation = corporation or region.corporation
    data = {
        "name": "Huurder", "street": "Hengelosestraat", "house_number": "1", "postcode": "7521 AA",
        "city": "Enschede", "phone": "", "email": "", "contract_ref": f"HC-{Tenant.objects.count() + 1:05d}",
    }
    data.update(tenant)
    return services.open_case(
        user or (region.consultant if corporation == region.corporation else region.other_consultant),
        convenant=region.convenant, tenant=data, arrears_amount="640.00", months_in_arrears=2,
    )


@pytest.fixture
def muller(region):
    return open_case(
        region, name="Jürgen Müller-Şahin", street="Van Heekstraat", house_number="12a", postcode="7511 AB",
        phone="06-1234 5678", email="J.Muller@Voorbeeld.nl", contract_ref="DOM-2024-0815",
    )


@pytest.fixture
def others(region):
    """Cases of the same corporation that none of the searches below may find."""
    return [
        open_case(region, name="Jansen", street="Lasondersingel", house_number="3", postcode="7514 BP",
                  phone="0687654321", email="jansen@example.org", contract_ref="DOM-1"),
        open_case(region, name="de Vries", street="Gronausestraat", house_number="77", postcode="7533 CD",
                  phone="053 480 0000", email="vries@example.org", contract_ref="DOM-2"),
    ]


def api_ids(api, user, q, **params):
    response = api.as_user(user).get("/api/v1/cases/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def worklist_ids(client, user, q, **params):
    client.force_login(user)
    response = client.get(reverse("cases:worklist"), {"q": q, **params})
    assert response.status_code == 200
    return {case.pk for case, _deadline in response.context["rows"]}


SEARCHES = {
    "name, part": "mull",
    "name, accent-insensitive": "Muller",
    "name, with accents": "müller",
    "name, upper case": "MÜLLER",
    "name, other letter with a mark": "sahin",
    "first name, part": "jurg",
    "street, part": "heekstr",
    "street with house number": "Van Heekstraat 12a",
    "postcode without the space": "7511ab",
    "postcode with the space": "7511 AB",
    "postcode, lower case with the space": "7511 ab",
    "postcode with house number": "7511AB 12",
    "house number with its addition": "12A",
    "phone, spaced": "06 1234 5678",
    "phone, digits": "0612345678",
    "phone, part": "12345678",
    "e-mail": "j.muller@voorbeeld.nl",
    "e-mail, part": "voorbeeld",
    "contract number": "DOM-2024-0815",
    "contract number, part without punctuation": "20240815",
}


@pytest.mark.parametrize("q", SEARCHES.values(), ids=SEARCHES.keys())
def test_each_field_finds_the_case_through_the_api_and_the_worklist(region, api, client, muller, others, q):
    assert api_ids(api, region.consultant, q) == {muller.pk}
    assert worklist_ids(client, region.consultant, q) == {muller.pk}


def test_the_case_number_with_or_without_hash(region, api, client, muller, others):
    for q in (f"#{muller.pk}", f"# {muller.pk}", str(muller.pk)):
        assert muller.pk in api_ids(api, region.consultant, q), q
        assert muller.pk in worklist_ids(client, region.consultant, q), q
    # "#n" is the case number alone: another case whose data holds the digits is not found.
    assert api_ids(api, region.consultant, f"#{others[0].pk}") == {others[0].pk}
    assert api_ids(api, region.consultant, "#999999999") == set()


def test_a_name_fragment_finds_every_match(region, api, muller, others):
    jansen_2 = open_case(region, name="Jansen-Bakker", contract_ref="DOM-3")
    assert api_ids(api, region.consultant, "jans") == {others[0].pk, jansen_2.pk}
    assert api_ids(api, region.consultant, "Vries") == {others[1].pk}
    assert api_ids(api, region.consultant, "nobody like this") == set()


def test_closed_cases_are_found_in_the_api_and_the_worklist(region, api, client, muller, others):
    services.close_case(region.consultant, muller, outcome="resolved", notes="Betaald")
    assert api_ids(api, region.consultant, "Muller") == {muller.pk}
    assert worklist_ids(client, region.consultant, "Muller") == {muller.pk}
    # Without a search the worklist keeps showing open cases only, and chosen statuses still apply to a search.
    assert worklist_ids(client, region.consultant, "") == {case.pk for case in others}
    assert worklist_ids(client, region.consultant, "Muller", status="contacting") == set()
    assert worklist_ids(client, region.consultant, "Muller", status="resolved") == {muller.pk}
    assert api_ids(api, region.consultant, "Muller", status="open") == set()


def test_other_filters_still_narrow_a_search(region, api, muller, others):
    assert api_ids(api, region.consultant, "Muller", holder=region.corporation.pk) == {muller.pk}
    assert api_ids(api, region.consultant, "Muller", holder=region.debt_assistance.pk) == set()


def test_another_corporations_tenant_of_the_same_name_is_never_found(region, api, client, muller):
    twin = open_case(region, corporation=region.other_corporation, name="Jürgen Müller-Şahin",
                     street="Van Heekstraat", house_number="12a", postcode="7511 AB", phone="06-1234 5678",
                     email="j.muller@voorbeeld.nl", contract_ref="DOM-2024-0815")
    for q in ("Muller", "7511ab", "0612345678", "DOM-2024-0815", f"#{twin.pk}", str(twin.pk)):
        assert twin.pk not in api_ids(api, region.consultant, q), q
        assert twin.pk not in worklist_ids(client, region.consultant, q), q
        assert muller.pk not in api_ids(api, region.other_consultant, q), q
    assert api_ids(api, region.other_consultant, "Muller") == {twin.pk}
    # Organisations without a part in either case find nothing.
    for user in (region.unrelated_worker, region.welfare_worker):
        assert api_ids(api, user, "Muller") == set()


def test_a_partner_finds_what_it_holds_and_nothing_after_its_offer_was_declined(region, api, client, muller):
    declined = open_case(region, name="Jürgen Müller", contract_ref="DOM-9")
    offer = services.offer_handover(region.consultant, declined, to_organisation=region.debt_assistance,
                                    summary=SUMMARY, tenant_consent=True)
    # While the offer is open the partner sees the case (to decide), so its search finds it.
    assert api_ids(api, region.debt_coach, "muller") == {declined.pk}
    services.decline_handover(region.debt_coach, offer, reason="Geen capaciteit deze maand.")
    for q in ("muller", "Müller", f"#{declined.pk}", str(declined.pk), "DOM-9"):
        assert api_ids(api, region.debt_coach, q) == set(), q
        assert api_ids(api, region.debt_manager, q) == set(), q

    held = services.offer_handover(region.consultant, muller, to_organisation=region.debt_assistance,
                                   summary=SUMMARY, tenant_consent=True)
    services.accept_handover(region.debt_coach, held)
    assert api_ids(api, region.debt_coach, "muller") == {muller.pk}
    assert api_ids(api, region.debt_coach, "7511 ab") == {muller.pk}
    # The corporation still finds both.
    assert api_ids(api, region.consultant, "muller") == {muller.pk, declined.pk}


ODD = ["%", "%%", "_", "__", "\\", "'", '"', "' OR 1=1 --", "%' OR '1'='1", "; DROP TABLE cases_case;", "#",
       "# ", "#abc", "#-1", "#99999999999999999999", "99999999999999999999", "\x00", "日本", "ü", "Ł", "a", "1",
       "?q=&", "<script>", "Muller%", "Mul_er", "M%ller"]


@pytest.mark.parametrize("q", ODD)
def test_odd_input_is_no_error_and_no_wildcard(region, api, client, muller, others, q):
    response = api.as_user(region.consultant).get("/api/v1/cases/", {"q": q})
    assert response.status_code in (200, 400), (q, response.status_code)
    if response.status_code == 200:
        found = {row["id"] for row in response.json()["results"]}
        # Punctuation is no wildcard: a term of it alone finds nothing.
        if not any(character.isalnum() for character in q):
            assert found == set(), q
    client.force_login(region.consultant)
    assert client.get(reverse("cases:worklist"), {"q": q}).status_code == 200


def test_like_wildcards_are_plain_characters(region, api, muller, others):
    # "%" and "_" are left out like any punctuation; they never match every character.
    assert api_ids(api, region.consultant, "Mul_er") == set()
    assert api_ids(api, region.consultant, "M%ller") == set()
    assert api_ids(api, region.consultant, "Muller%") == {muller.pk}


def test_a_very_long_search_is_refused_or_empty(region, api, client, muller):
    response = api.as_user(region.consultant).get("/api/v1/cases/", {"q": "Muller " * 100})
    assert response.status_code == 400
    assert "q" in response.json()
    client.force_login(region.consultant)
    response = client.get(reverse("cases:worklist"), {"q": "x" * 5000})
    assert response.status_code == 200
    assert response.context["form"].errors["q"]


def test_the_selector_is_the_one_search(region, muller, others):
    assert set(selectors.case_list(region.consultant, q="MÜLLER").values_list("pk", flat=True)) == {muller.pk}
    assert set(selectors.case_list(region.other_consultant, q="MÜLLER").values_list("pk", flat=True)) == set()


def test_the_search_reads_the_trigram_index_of_the_permission_rows(region, muller, others):
    """The search narrows inside the user's permission rows on their copy of the tenant's text, which the GIN index
    (group + trigrams) serves (on a large table PostgreSQL chooses it; bench/search.py shows the plans)."""
    sql, params = selectors.case_list(region.consultant, q="Muller").values("pk").query.sql_with_params()
    assert '"case_search"::text LIKE' in sql and "cases_search_norm(" in sql
    # The condition as the selector writes it is one the index answers.
    _number, condition = selectors.search_condition("Muller")
    sql, params = CaseGroupObjectPermission.objects.filter(condition).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows: a scan would be cheaper
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_perm_search_trgm_idx" in plan, plan


def test_the_copy_follows_the_tenant_and_anonymisation(region, api, muller, others):
    Tenant.objects.filter(pk=muller.tenant_id).update(name="Özdemir", phone="0611112222")
    assert api_ids(api, region.consultant, "ozdemir") == {muller.pk}
    assert api_ids(api, region.consultant, "Sahin") == set()  # the old name is gone (the e-mail still says muller)
    assert api_ids(api, region.consultant, "0611112222") == {muller.pk}
    assert api_ids(api, region.consultant, "0612345678") == set()
    # Every permission row of the case carries the new text, whichever organisation it belongs to.
    texts = set(CaseGroupObjectPermission.objects.filter(content_object=muller).values_list("case_search", flat=True))
    assert texts == {"ozdemir|vanheekstraat12a|7511ab12a|0611112222|jmullervoorbeeldnl|dom20240815"}
    # A row written later (a partner's, on an offer) copies the text too.
    services.offer_handover(region.consultant, muller, to_organisation=region.debt_assistance, summary=SUMMARY,
                            tenant_consent=True)
    assert api_ids(api, region.debt_coach, "Ozdemir") == {muller.pk}


def test_the_normalised_text_of_a_tenant(region, muller):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cases_search_doc(name, street, house_number, postcode, phone, email, contract_ref),"
            " cases_search_norm(%s) FROM cases_tenant WHERE id = %s", ["  Müller, J.  ", muller.tenant_id]
        )
        doc, term = cursor.fetchone()
    assert doc == "jurgenmullersahin|vanheekstraat12a|7511ab12a|0612345678|jmullervoorbeeldnl|dom20240815"
    assert term == "mullerj"


def test_the_whole_term_must_match_not_only_the_part_the_index_reads(region, api, muller, others):
    # The index is asked for the last characters ("aat12a"); the rows it finds are compared with the whole term.
    assert api_ids(api, region.consultant, "Lasonderstraat 12a") == set()
    assert api_ids(api, region.consultant, "heekstraat 12a") == {muller.pk}
