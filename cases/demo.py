"""Demo data: a believable region (Enschede) with about two hundred cases over fourteen months.

Everything is made through the services, the way production makes it: organisations and users
(partners.services), the convenant (convenants.services), and every case change (cases.services), each dated
with the services' `now=` / `at=` so that the history spreads over the past fourteen months. The clock of the
chain runs as well: the escalation sweep (cases.services.escalate_overdue) runs every morning of the simulated
period, so escalations happen where deadlines really passed. It stops three days before today, so the newest
missed deadlines show as overdue until the Celery beat picks them up.

Each case follows a "story": a generator that yields the moment of its next step; a small scheduler runs all
stories in time order and the daily sweeps between them. Randomness is deterministic (random.Random(2026)).

Running it again changes nothing: the organisation "Gemeente Enschede" marks demo data as present.
"""

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from cases import services
from cases.models import Case, CaseStatus, Handover, HandoverStatus
from config.errors import BusinessError
from convenants.deadlines import AMSTERDAM, is_working_day
from convenants.models import DeadlineKind
from convenants.services import create_convenant, deadline_for
from partners.models import Organisation, OrganisationKind
from partners.services import create_organisation, create_user

User = get_user_model()

DEMO_PASSWORD = "demo-wachtwoord-2026"
MARKER_ORGANISATION = "Gemeente Enschede"
SEED = 2026
HISTORY_DAYS = 425  # about fourteen months
SWEEP_HOUR = 7
SWEEPS_STOP_DAYS = 3
GENERIC_CASES = 190

ORGANISATIONS = [
    # key, name, kind, municipality, e-mail
    ("municipality", "Gemeente Enschede", OrganisationKind.MUNICIPALITY, "Enschede", "schuldhulp@enschede.example"),
    ("domijn", "Domijn", OrganisationKind.CORPORATION, "Enschede", "huurzaken@domijn.example"),
    ("onshuis", "Ons Huis", OrganisationKind.CORPORATION, "Enschede", "huurzaken@onshuis.example"),
    ("debt", "Schuldhulp Enschede", OrganisationKind.DEBT_ASSISTANCE, "Enschede", "schuldhulp@enschede.example"),
    ("welfare", "Alifa Welzijn", OrganisationKind.WELFARE, "Enschede", "info@alifa.example"),
    ("energy", "Eneco Energie", OrganisationKind.UTILITY, "Enschede", "incasso@eneco.example"),
    ("water", "Vitens Water", OrganisationKind.UTILITY, "Enschede", "incasso@vitens.example"),
    ("insurer", "Menzis Zorgverzekeraar", OrganisationKind.HEALTH_INSURER, "Enschede", "incasso@menzis.example"),
]

USERS = [
    # username, organisation key, role, first name, last name
    ("consulent.domijn", "domijn", "caseworker", "Fatma", "Yildiz"),
    ("teamleider.domijn", "domijn", "manager", "Henk", "Oude Nijhuis"),
    ("consulent.onshuis", "onshuis", "caseworker", "Sanne", "Ter Horst"),
    ("teamleider.onshuis", "onshuis", "manager", "Marco", "Brinkman"),
    ("schuldhulpcoach", "debt", "caseworker", "Ilse", "Kamphuis"),
    ("manager.schuldhulp", "debt", "manager", "Ruud", "Wolters"),
    ("welzijnswerker", "welfare", "caseworker", "Yusuf", "Demir"),
    ("manager.alifa", "welfare", "manager", "Anouk", "Lammerink"),
    ("regisseur", "municipality", "manager", "Petra", "Nijenhuis"),
    ("signalen.eneco", "energy", "caseworker", "Koen", "Visser"),
    ("signalen.vitens", "water", "caseworker", "Bram", "Kok"),
    ("signalen.menzis", "insurer", "caseworker", "Linda", "Hofman"),
]
SUPERUSER = ("beheer", "Functioneel", "Beheer")

SURNAMES = [
    "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Yilmaz", "El Amrani", "Kaya", "Nguyen",
    "Oude Luttikhuis", "Ter Haar", "Wessels", "Kuipers", "Lansink", "Nijhof", "Haverkamp", "Bruggink", "Scholten",
    "Bulut", "Öztürk", "Pinas", "Rahimi", "Kowalski", "Tuinstra",
]
INITIALS = "ABCDEFGHIJKLMNPRSTW"
STREETS = [
    ("Lasondersingel", "7514"), ("Oldenzaalsestraat", "7514"), ("Hengelosestraat", "7521"),
    ("Haaksbergerstraat", "7513"), ("Gronausestraat", "7533"), ("Deurningerstraat", "7514"),
    ("Van Heekstraat", "7521"), ("Kuipersdijk", "7512"), ("Wesselerbrinklaan", "7544"), ("Dolphiastraat", "7523"),
    ("Pathmossingel", "7513"), ("Velveweg", "7533"), ("Boswinkelweg", "7544"), ("Schipholtstraat", "7546"),
]


@dataclass
class Region:
    organisations: dict
    users: dict
    convenant: object


@dataclass(order=True)
class _Wakeup:
    at: datetime
    seq: int
    story: object = field(compare=False)


class Demo:
    """The state of one run: region, clock, randomness, and helpers the stories use."""

    def __init__(self, region: Region, now: datetime):
        self.r = region
        self.now = now
        self.rng = random.Random(SEED)
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.sweeps_until = self._morning(timezone.localtime(now, AMSTERDAM).date() - timedelta(days=SWEEPS_STOP_DAYS))
        self.next_sweep = self._morning(timezone.localtime(self.start, AMSTERDAM).date() + timedelta(days=1))
        self.heap = []
        self.seq = itertools.count()
        self.contracts = itertools.count(100001)
        self.addresses = set()
        self.failures = []
        self.named = {}

    # -- time helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _morning(day: date) -> datetime:
        return datetime.combine(day, time(SWEEP_HOUR), tzinfo=AMSTERDAM)

    def office(self, t: datetime, days: float = 0, *, spread: float = 0) -> datetime:
        """A moment during office hours, `days` (+ up to `spread`) days after t, on a working day."""
        t = t + timedelta(days=days + self.rng.uniform(0, spread))
        day = timezone.localtime(t, AMSTERDAM).date()
        while not is_working_day(day):
            day += timedelta(days=1)
        moment = datetime.combine(day, time(self.rng.randint(9, 15), self.rng.choice((0, 10, 15, 30, 40, 45))),
                                  tzinfo=AMSTERDAM)
        return max(moment, t) if moment.date() == timezone.localtime(t, AMSTERDAM).date() else moment

    # -- people and places --------------------------------------------------------------------------------------

    def user(self, key):
        return self.r.users[key]

    def org(self, key):
        return self.r.organisations[key]

    def consultant(self, corporation):
        return self.user("consulent.domijn" if corporation.name == "Domijn" else "consulent.onshuis")

    def team_leader(self, corporation):
        return self.user("teamleider.domijn" if corporation.name == "Domijn" else "teamleider.onshuis")

    def caseworker_of(self, organisation):
        return {
            "Domijn": "consulent.domijn", "Ons Huis": "consulent.onshuis", "Schuldhulp Enschede": "schuldhulpcoach",
            "Alifa Welzijn": "welzijnswerker",
        }[organisation.name]

    def new_tenant(self, name=None):
        while True:
            street, pc4 = self.rng.choice(STREETS)
            number = str(self.rng.randint(1, 240))
            postcode = f"{pc4} {self.rng.choice('ABCDEGHJKLMNPRSTVWX')}{self.rng.choice('ABCDEGHJKLMNPRSTVWX')}"
            if (postcode, number) not in self.addresses:
                self.addresses.add((postcode, number))
                break
        surname = self.rng.choice(SURNAMES)
        return {
            "name": name or f"{self.rng.choice(INITIALS)}. {surname}",
            "contract_ref": f"HC-{next(self.contracts)}",
            "street": street,
            "house_number": number,
            "postcode": postcode,
            "city": "Enschede",
            "phone": f"06{self.rng.randint(10000000, 99999999)}",
            "email": f"{surname.lower().replace(' ', '').replace('ö', 'o')}{self.rng.randint(1, 99)}@mail.example",
        }

    # -- service calls (dated) ----------------------------------------------------------------------------------

    def open(self, corporation, t, *, amount=None, months=None, tenant=None):
        rent = Decimal(self.rng.randrange(560, 880, 5))
        months = months or self.rng.choice((1, 1, 1, 2, 2, 3))
        amount = amount if amount is not None else rent * months
        return services.open_case(
            self.consultant(corporation), tenant=tenant or self.new_tenant(), arrears_amount=amount,
            months_in_arrears=months, monthly_rent=rent, convenant=self.r.convenant, now=t,
        )

    def attempt(self, case, user_key, t, channel, outcome, notes=""):
        return services.log_contact_attempt(self.user(user_key), case, channel=channel, outcome=outcome, at=t,
                                            notes=notes, now=t)

    def arrangement(self, case, user_key, t, monthly, months):
        start = (timezone.localtime(t, AMSTERDAM).date().replace(day=1) + timedelta(days=32)).replace(day=1)
        return services.agree_arrangement(self.user(user_key), case, monthly_amount=monthly, start_date=start,
                                          months=months, now=t)

    def note(self, case, user_key, t, text):
        return services.add_note(self.user(user_key), case, text=text, now=t)

    def offer(self, case, user_key, t, summary, to=None):
        return services.offer_handover(self.user(user_key), case, to_organisation=to, summary=summary,
                                       tenant_consent=True, now=t)

    def open_offer(self, case):
        return Handover.objects.filter(case=case, status=HandoverStatus.OFFERED).first()

    def fresh(self, case):
        return Case.objects.select_related("holder", "corporation").get(pk=case.pk)

    # -- the scheduler ------------------------------------------------------------------------------------------

    def add(self, story):
        try:
            first = next(story)
        except StopIteration:
            return
        heapq.heappush(self.heap, _Wakeup(first, next(self.seq), story))

    def _sweep_until(self, t):
        while self.next_sweep <= t and self.next_sweep <= self.sweeps_until:
            services.escalate_overdue(as_of=self.next_sweep)
            self.next_sweep += timedelta(days=1)
            self.next_sweep = self._morning(timezone.localtime(self.next_sweep, AMSTERDAM).date())

    def run(self):
        while self.heap:
            wakeup = heapq.heappop(self.heap)
            if wakeup.at > self.now:
                wakeup.story.close()
                continue
            self._sweep_until(wakeup.at)
            try:
                following = next(wakeup.story)
            except StopIteration:
                continue
            except BusinessError as exc:
                self.failures.append(f"{wakeup.story.__name__}: {exc}")
                continue
            if following <= wakeup.at:
                following = wakeup.at + timedelta(minutes=1)
            heapq.heappush(self.heap, _Wakeup(following, next(self.seq), wakeup.story))
        self._sweep_until(self.now)


# ---------------------------------------------------------------------------------------------------------------
# Stories. Each yields the moment of its next step; the scheduler resumes it then.

NOTES_CORPORATION = [
    "Termijn van de regeling ontvangen.",
    "Huurder belde: betaling loopt via bewindvoerder.",
    "Termijn ontvangen, huurder tevreden over de afspraak.",
    "Betaling iets later dan afgesproken, wel voldaan.",
]
NOTES_PARTNER = [
    "Budgetgesprek gevoerd; inkomsten en vaste lasten in kaart.",
    "Aanvraag bijzondere bijstand ingediend.",
    "Schuldenoverzicht compleet; schuldeisers aangeschreven.",
    "Huurder komt afspraken na; volgende afspraak gepland.",
    "Samen met huurder toeslagen nagelopen.",
]
REASONS_REACHED = [
    "Huurder heeft zijn baan verloren; uitkering nog niet rond.",
    "Inkomen lager door minder uren; wil graag een regeling.",
    "Onverwachte kosten (wasmachine, tandarts); huurder schrok van de achterstand.",
    "Partner vertrokken, huurder moet alles alleen betalen.",
    "Vergeten door ziekenhuisopname; betaalt snel bij.",
]


def _keep_alive(d: Demo, case, user_key, t, until, notes):
    """Monthly notes by the holder, so the inactivity deadline is met while the case runs."""
    while True:
        t = d.office(t, 33, spread=5)
        if t >= until:
            return t
        yield t
        d.note(case, user_key, t, d.rng.choice(notes))


def story_corporation(d: Demo, corporation, t0, *, plan):
    """A case that the corporation solves itself, or hands over when it cannot."""
    yield t0
    case = d.open(corporation, t0)
    cw = d.caseworker_of(corporation)
    t = d.office(t0, 0.5, spread=2)
    if plan == "silent":
        # Nobody logs anything: the clock escalates first_contact (notify), then handover (to debt assistance).
        yield from story_partner_picks_up(d, case, t0 + timedelta(days=1), wait_for_escalation=True)
        return
    tries = d.rng.choice((1, 1, 2, 3)) if plan != "handover" else 3
    channels = ["phone", "whatsapp", "letter", "sms", "email"]
    d.rng.shuffle(channels)
    for attempt in range(tries):
        yield t
        last = attempt == tries - 1
        if plan == "handover" or not last:
            d.attempt(case, cw, t, channels[attempt % len(channels)], "not_reached")
        else:
            channel = d.rng.choice(("phone", "home_visit", "phone", "whatsapp"))
            d.attempt(case, cw, t, channel, "reached", d.rng.choice(REASONS_REACHED))
        t = d.office(t, 1, spread=3)
    if plan == "handover":
        yield t
        d.offer(case, cw, t, "Drie contactpogingen zonder resultaat. Huurder stemde bij de brief in met "
                             "doorverwijzing naar schuldhulp.")
        yield from story_partner_picks_up(d, case, t, wait_for_escalation=False)
        return
    if plan == "quick":
        t = d.office(t, 10, spread=30)
        yield t
        services.close_case(d.user(cw), case, outcome="resolved", notes="Achterstand in één keer voldaan.", now=t)
        return
    if plan == "moved":
        t = d.office(t, 20, spread=60)
        yield t
        outcome = d.rng.choice(("moved", "tenancy_ended"))
        services.close_case(d.user(cw), case, outcome=outcome, notes="Huurder verhuist naar familie.", now=t)
        return
    # plan == "arrangement" (possibly broken)
    months = d.rng.choice((3, 4, 6, 6, 8, 10))
    monthly = (Decimal(case.arrears_amount) / months).quantize(Decimal("1")) + 1
    yield t
    d.arrangement(case, cw, t, monthly, months)
    end = t + timedelta(days=30 * months + 20)
    broken = d.rng.random() < 0.25
    if broken:
        end = t + timedelta(days=30 * d.rng.randint(1, max(1, months - 1)) + 15)
    t = yield from _keep_alive(d, case, cw, t, end, NOTES_CORPORATION)
    yield t
    if not broken:
        services.close_case(d.user(cw), case, outcome="arrangement_completed", notes="Regeling afgelost.", now=t)
        return
    services.record_missed_installment(d.user(cw), case, note="Termijn niet betaald.", now=t)
    t = d.office(t, 2, spread=5)
    yield t
    d.attempt(case, cw, t, "phone", "reached", "Huurder heeft meer schulden dan gedacht; wil hulp.")
    t = d.office(t, 1, spread=3)
    yield t
    d.offer(case, cw, t, "Regeling niet nagekomen; huurder heeft meerdere schulden en wil hulp.")
    yield from story_partner_picks_up(d, case, t, wait_for_escalation=False)


def story_partner_picks_up(d: Demo, case, t, *, wait_for_escalation):
    """The offer (made by a person, or by escalation) is accepted, declined, or left lying; the partner works it."""
    if wait_for_escalation:
        while True:
            t = t + timedelta(days=1)
            yield t
            if d.open_offer(case) is not None:
                break
    offer = d.open_offer(case)
    behaviour = d.rng.random()
    if behaviour < 0.12 and not wait_for_escalation:
        # Declined: the corporation then offers it to welfare.
        t = d.office(t, 1, spread=2)
        yield t
        services.decline_handover(d.user("schuldhulpcoach"), offer, reason="Huurder staat al bij een "
                                  "bewindvoerder; welzijn past beter.", now=t)
        corporation = d.fresh(case).corporation
        t = d.office(t, 1, spread=2)
        yield t
        offer = d.offer(case, d.caseworker_of(corporation), t,
                        "Schuldhulp wees af (bewind loopt); graag begeleiding door welzijn.", to=d.org("welfare"))
    elif behaviour < 0.25:
        # Left lying: the sweep withdraws it after the pickup deadline and offers it to the next partner.
        while True:
            t = t + timedelta(days=1)
            yield t
            current = d.open_offer(case)
            if current is None:
                return
            if current.pk != offer.pk:
                offer = current
                break
    t = d.office(offer.offered_at, 0.5, spread=3)
    yield t
    offer.refresh_from_db()
    if offer.status != HandoverStatus.OFFERED:
        return
    partner = offer.to_organisation
    worker = d.caseworker_of(partner)
    services.accept_handover(d.user(worker), offer, now=t)
    t = d.office(t, 1, spread=5)
    yield t
    channel = d.rng.choice(("phone", "home_visit", "joint_home_visit", "phone"))
    d.attempt(d.fresh(case), worker, t, channel, "reached", "Kennismaking; afspraken gemaakt.")
    duration = timedelta(days=d.rng.randint(40, 260))
    t = yield from _keep_alive(d, case, worker, t, t + duration, NOTES_PARTNER)
    yield t
    outcome = d.rng.choice(("resolved", "resolved", "arrangement_completed", "other"))
    services.close_case(d.user(worker), case, outcome=outcome, notes="Traject afgerond.", now=t)


def story_eviction(d: Demo, corporation, t0, *, agreed, label):
    """Scenario 6: a tenant refuses every form of help; the corporation's manager proposes eviction."""
    yield t0
    case = d.open(corporation, t0, months=3)
    d.named[label] = case.pk
    cw = d.caseworker_of(corporation)
    t = t0
    for channel in ("phone", "letter", "home_visit"):
        t = d.office(t, 2, spread=2)
        yield t
        d.attempt(case, cw, t, channel, "not_reached" if channel != "home_visit" else "reached",
                  "Huurder wil geen contact." if channel == "home_visit" else "")
    t = d.office(t, 1)
    yield t
    handover = d.offer(case, cw, t, "Huurder weigert een regeling; graag een poging door schuldhulp.")
    t = d.office(t, 1)
    yield t
    services.accept_handover(d.user("schuldhulpcoach"), handover, now=t)
    for _ in range(2):
        t = d.office(t, 6, spread=4)
        yield t
        d.attempt(d.fresh(case), "schuldhulpcoach", t, "home_visit", "reached", "Huurder weigert alle hulp.")
    t = d.office(t, 20)
    yield t
    services.add_note(d.user("schuldhulpcoach"), case, text="Drie maanden geen medewerking; achterstand loopt op.",
                      now=t)
    t = d.office(t, 3)
    yield t
    proposal = services.propose_eviction(d.team_leader(corporation), case,
                                         reason="Zes maanden achterstand, alle hulp geweigerd.", now=t)
    if agreed is None:
        return  # stays proposed: the votes are still to come
    votes = [
        (d.team_leader(corporation), True, "Alle hulp is aangeboden en geweigerd."),
        (d.user("manager.schuldhulp"), True, "Schuldhulp kreeg geen medewerking."),
        (d.user("manager.alifa"), agreed, "Geen rol meer voor welzijn." if agreed else
         "Er zijn kinderen in huis; wij willen eerst een gezinsgesprek."),
    ]
    for user, agree, reason in votes:
        t = d.office(t, 1, spread=2)
        yield t
        services.vote_on_eviction(user, proposal, agree=agree, reason=reason, now=t)


def story_scenario_one(d: Demo, t0):
    """Scenario 1: € 640, phone and WhatsApp not reached, home visit reached, € 80 × 8."""
    corporation = d.org("domijn")
    yield t0
    case = d.open(corporation, t0, amount=Decimal("640.00"), months=1,
                  tenant=d.new_tenant("Fam. Jansen-Bulut"))
    d.named["scenario_1"] = case.pk
    t = d.office(t0, 1)
    yield t
    d.attempt(case, "consulent.domijn", t, "phone", "not_reached", "Voicemail ingesproken.")
    t = d.office(t, 1)
    yield t
    d.attempt(case, "consulent.domijn", t, "whatsapp", "not_reached", "Bericht gelezen, geen antwoord.")
    t = d.office(t, 1)
    yield t
    d.attempt(case, "consulent.domijn", t, "home_visit", "reached",
              "Huurder heeft zijn baan verloren; WW is aangevraagd.")
    t = t + timedelta(minutes=30)
    yield t
    d.arrangement(case, "consulent.domijn", t, Decimal("80.00"), 8)
    yield from _keep_alive(d, case, "consulent.domijn", t, d.now, NOTES_CORPORATION)


def story_scenario_two(d: Demo, t0):
    """Scenario 2: three attempts without contact, a warm handover with consent, accepted by the debt coach."""
    corporation = d.org("domijn")
    yield t0
    case = d.open(corporation, t0, months=2, tenant=d.new_tenant("M. de Graaf"))
    d.named["scenario_2"] = case.pk
    t = t0
    for channel in ("phone", "sms", "letter"):
        t = d.office(t, 2)
        yield t
        d.attempt(case, "consulent.domijn", t, channel, "not_reached")
    t = d.office(t, 1)
    yield t
    handover = d.offer(case, "consulent.domijn", t,
                       "Drie pogingen zonder contact (telefoon, sms, brief). Buurvrouw vertelt dat mevrouw ziek is. "
                       "Mevrouw gaf via de brief toestemming om haar gegevens met schuldhulp te delen.")
    t = d.office(t, 1)
    yield t
    services.accept_handover(d.user("schuldhulpcoach"), handover, now=t)
    t = d.office(t, 1)
    yield t
    d.attempt(d.fresh(case), "schuldhulpcoach", t, "home_visit", "reached", "Intake bij mevrouw thuis gedaan.")
    yield from _keep_alive(d, case, "schuldhulpcoach", t, d.now, NOTES_PARTNER)


def story_scenario_three(d: Demo, t0):
    """Scenario 3: debt assistance lets the offer lie; the sweep offers the case to welfare."""
    corporation = d.org("onshuis")
    yield t0
    case = d.open(corporation, t0, months=2, tenant=d.new_tenant("K. Oude Wolbers"))
    d.named["scenario_3"] = case.pk
    t = t0
    for channel in ("phone", "whatsapp", "home_visit"):
        t = d.office(t, 1)
        yield t
        d.attempt(case, "consulent.onshuis", t, channel, "not_reached")
    offer_at = max(_offer_past_pickup(d), t)
    yield offer_at
    d.offer(case, "consulent.onshuis", offer_at, "Geen contact mogelijk; graag oppakken door schuldhulp.")


def _offer_past_pickup(d: Demo) -> datetime:
    """The latest offer moment whose pickup deadline passed before the last sweep (so the sweep moves the offer on,
    and the next partner's deadline, counted from that sweep, has not passed yet), whatever the weekday today."""
    for back in range(6, 20):
        offer_at = d.office(d.sweeps_until - timedelta(days=back))
        if deadline_for(d.r.convenant, DeadlineKind.PICKUP, offer_at) < d.sweeps_until:
            return offer_at
    raise RuntimeError("no offer moment found whose pickup deadline passes before the last sweep")


def story_scenario_four_fresh(d: Demo, t0):
    """Scenario 4: opened, nothing logged; the first-contact deadline passed after the last sweep: overdue."""
    yield t0
    case = d.open(d.org("domijn"), t0, months=1, tenant=d.new_tenant("R. Hassink"))
    d.named["scenario_4_overdue"] = case.pk


def story_scenario_four_escalated(d: Demo, t0):
    """Scenario 4 with time: nothing logged, first_contact escalates (notify), handover escalates to debt."""
    yield t0
    case = d.open(d.org("onshuis"), t0, months=1, tenant=d.new_tenant("J. Lansink"))
    d.named["scenario_4_escalated"] = case.pk


def story_scenario_five(d: Demo, t0):
    """Scenario 5: rent arrears at Domijn; the energy company and the health insurer report the same household."""
    yield t0
    case = d.open(d.org("domijn"), t0, months=2, tenant=d.new_tenant("S. Veldhuis"))
    d.named["scenario_5"] = case.pk
    t = d.office(t0, 1)
    yield t
    d.attempt(case, "consulent.domijn", t, "phone", "reached", "Huurder noemt ook achterstand bij energie en zorg.")
    t = d.office(t, 3)
    yield t
    add_signals(d, case, t)


def story_new(d: Demo, corporation, t0):
    """A case opened in the last days: still new."""
    yield t0
    d.open(corporation, t0)


def story_waiting_offer(d: Demo, corporation, t0):
    """An offer made yesterday or so: waits in the partner's inbox."""
    yield t0
    case = d.open(corporation, t0)
    cw = d.caseworker_of(corporation)
    t = t0
    for channel in ("phone", "whatsapp", "letter"):
        t = d.office(t, 1)
        yield t
        d.attempt(case, cw, t, channel, "not_reached")
    t = max(d.office(t, 1), d.office(d.now - timedelta(days=2)))
    yield t
    d.offer(case, cw, t, "Geen contact na drie pogingen; huurder gaf schriftelijk toestemming.")


def story_joint_visit(d: Demo, t0):
    """Vroeg Eropaf: the consultant plans a home visit together with the debt coach, next week."""
    yield t0
    case = d.open(d.org("onshuis"), t0, months=1)
    t = d.office(t0, 1)
    yield t
    d.attempt(case, "consulent.onshuis", t, "phone", "not_reached")
    t = d.office(t, 0.2)
    yield t
    services.plan_joint_visit(d.user("consulent.onshuis"), case, partner=d.org("debt"),
                              planned_at=d.office(d.now, 5), now=t)


# ---------------------------------------------------------------------------------------------------------------
# Signals (scenario 5, and a few more households with several kinds of arrears)


def add_signals(d: Demo, case, t):
    """An energy and a health-insurance signal for the case's household, linked to its tenant."""
    tenant = case.tenant
    records = {
        "energy": {"external_id": f"ENECO-{tenant.contract_ref}", "kind": "energy",
                   "amount": f"{d.rng.randint(180, 640)}.00", "months_in_arrears": 2},
        "insurer": {"external_id": f"MENZIS-{tenant.contract_ref}", "kind": "health_insurance",
                    "amount": f"{d.rng.randint(150, 480)}.00", "months_in_arrears": 3},
    }
    reference = timezone.localtime(t, AMSTERDAM).date()
    for key, record in records.items():
        record.update(name=tenant.name, postcode=tenant.postcode, house_number=tenant.house_number,
                      reference_date=reference.isoformat())
        if not _submit_signal(d, key, record, t):
            _store_signal(d.org(key), record, tenant, case, reference)


def _submit_signal(d: Demo, key, record, t) -> bool:
    """Through signals.services, as the creditor would; False when it cannot."""
    try:
        from signals.services import submit_signals
    except ImportError:
        return False
    user = d.user("signalen.eneco" if key == "energy" else "signalen.menzis")
    try:
        with transaction.atomic():
            result = submit_signals(user, [dict(record)], now=t)
    except Exception:  # the other path stores the signal directly
        return False
    return result.accepted == 1


def _store_signal(source, record, tenant, case, reference):
    from signals.models import ArrearsSignal

    ArrearsSignal.objects.get_or_create(
        source=source, external_id=record["external_id"],
        defaults={
            "kind": record["kind"], "name": record["name"], "postcode": record["postcode"],
            "house_number": record["house_number"], "amount": Decimal(record["amount"]),
            "months_in_arrears": record["months_in_arrears"], "reference_date": reference, "tenant": tenant,
            "case": case, "municipality": "Enschede",
        },
    )


# Scenario 11: vroegsignalering. The signals go in through signals.services as each sender would; the matching
# that runs after every intake makes the vroegsignaal cases, which the outreach team works in the product.


def _this_month(d: Demo) -> datetime:
    """A working morning of the current month before now (so this month's signals make this month's cases)."""
    today = timezone.localtime(d.now, AMSTERDAM).date()
    day = today.replace(day=1)
    while not is_working_day(day) and day < today:
        day += timedelta(days=1)
    return min(d.office(datetime.combine(day, time(8), tzinfo=AMSTERDAM)), d.now - timedelta(hours=1))


def _send_signal(d: Demo, username, record, t) -> bool:
    """A signal through signals.services (the matching runs after it); False when the intake refuses it."""
    try:
        from signals.services import submit_signals
    except ImportError:
        return False
    try:
        with transaction.atomic():
            result = submit_signals(d.user(username), [dict(record)], now=t)
    except Exception as exc:  # a demo keeps going; the failure is listed in the summary
        d.failures.append(f"signal {record['external_id']}: {exc}")
        return False
    return result.accepted == 1


def _household_signal(tenant, external_id, kind, amount, reference, **extra):
    return {"external_id": external_id, "kind": kind, "name": tenant["name"], "street": tenant["street"],
            "house_number": tenant["house_number"], "postcode": tenant["postcode"], "city": tenant["city"],
            "amount": amount, "months_in_arrears": extra.pop("months", 2), "reference_date": reference.isoformat(),
            **extra}


def story_scenario_eleven(d: Demo, t0):
    """Scenario 11: in one month the energy company, the water company and the corporation send signals for the
    same address (a Domijn tenant with a rent case): one "multiple" vroegsignaal case for the outreach team. Also
    a single one, a crisis one, a consecutive one (the address had a signal two months before) and one below the
    convenant's minimum (stored and counted, not matched)."""
    yield t0
    tenant = d.new_tenant("Fam. Kartosen")
    case = d.open(d.org("domijn"), t0, months=2, tenant=tenant)
    d.named["scenario_11"] = case.pk
    t = t0 + timedelta(minutes=30)
    yield t
    reference = timezone.localtime(t, AMSTERDAM).date()
    _send_signal(d, "signalen.eneco", _household_signal(tenant, "ENECO-S11", "energy", "312.00", reference,
                                                        arrears_since=(reference - timedelta(days=75)).isoformat()),
                 t)
    _send_signal(d, "signalen.vitens", _household_signal(tenant, "VITENS-S11", "water", "148.00", reference), t)
    _send_signal(d, "consulent.domijn", _household_signal(
        tenant, "DOMIJN-S11", "rent", f"{case.arrears_amount:.2f}", reference, contract_ref=tenant["contract_ref"],
        warm_handover=True), t)
    # The other households of the month, and one from two months before (it makes a consecutive case now).
    single, crisis, again, small = (d.new_tenant() for _ in range(4))
    earlier = reference - timedelta(days=62)
    _send_signal(d, "signalen.vitens", _household_signal(again, "VITENS-S11-EARLIER", "water", "121.00", earlier),
                 t - timedelta(days=62))
    _send_signal(d, "signalen.eneco", _household_signal(single, "ENECO-S11-SINGLE", "energy", "205.00", reference), t)
    _send_signal(d, "signalen.eneco", _household_signal(crisis, "ENECO-S11-CRISIS", "energy", "890.00", reference,
                                                        months=5, crisis=True), t)
    _send_signal(d, "signalen.vitens", _household_signal(again, "VITENS-S11-AGAIN", "water", "164.00", reference), t)
    _send_signal(d, "signalen.eneco", _household_signal(small, "ENECO-S11-SMALL", "energy", "40.00", reference), t)


# ---------------------------------------------------------------------------------------------------------------
# The region and the run


def create_region() -> Region:
    organisations = {
        key: create_organisation(name=name, kind=kind, municipality=municipality, email=email)
        for key, name, kind, municipality, email in ORGANISATIONS
    }
    users = {}
    for username, org_key, role, first, last in USERS:
        users[username] = create_user(
            username=username, password=DEMO_PASSWORD, email=f"{username}@demo.example",
            organisation=organisations[org_key], role=role, first_name=first, last_name=last,
        )
    name, first, last = SUPERUSER
    users[name] = User.objects.create_superuser(name, f"{name}@demo.example", DEMO_PASSWORD, first_name=first,
                                                last_name=last)
    parties = [organisations[k] for k in ("municipality", "domijn", "onshuis", "debt", "welfare")]
    convenant = create_convenant(
        name="Convenant Vroegsignalering Enschede",
        municipality="Enschede",
        parties=parties,
        chain=[organisations["debt"], organisations["welfare"]],
        deadlines={"first_contact": 5, "handover": 30, "pickup": 5, "partner_contact": 10, "inactivity": 30},
        working_days=True,
        retention_months=24,
        valid_from=date(2024, 1, 1),
        # Vroegsignalering: the debt-assistance team reaches out on the municipality's behalf; DDAS's CBS code.
        cbs_municipality_code="0153",
        outreach_organisation=organisations["debt"],
        signal_minimums={"energy": 75, "water": 75},
        postcode_areas=["7511-7548"],  # Enschede's postcodes: its households' signals are Enschede's
    )
    return Region(organisations=organisations, users=users, convenant=convenant)


def _overdue_opening(d: Demo) -> datetime:
    """An opening moment whose first-contact deadline passed after the last sweep (so it shows as overdue)."""
    today = timezone.localtime(d.now, AMSTERDAM).date()
    fallback = None
    for back in range(3, 25):
        t0 = d.office(datetime.combine(today - timedelta(days=back), time(8), tzinfo=AMSTERDAM))
        deadline = deadline_for(d.r.convenant, DeadlineKind.FIRST_CONTACT, t0)
        if deadline < d.now:
            fallback = fallback or t0
            if deadline > d.sweeps_until:
                return t0
    return fallback


def plan_stories(d: Demo):
    rng = d.rng
    domijn, onshuis = d.org("domijn"), d.org("onshuis")
    # Scenario stories at fixed places in time.
    d.add(story_scenario_one(d, d.office(d.now - timedelta(days=75))))
    d.add(story_scenario_two(d, d.office(d.now - timedelta(days=50))))
    d.add(story_scenario_three(d, d.office(d.sweeps_until - timedelta(days=20))))
    d.add(story_scenario_four_fresh(d, _overdue_opening(d)))
    d.add(story_scenario_four_escalated(d, d.office(d.now - timedelta(days=50))))
    d.add(story_scenario_five(d, d.office(d.now - timedelta(days=30))))
    d.add(story_scenario_eleven(d, _this_month(d)))
    d.add(story_eviction(d, domijn, d.office(d.now - timedelta(days=330)), agreed=True, label="scenario_6_evicted"))
    d.add(story_eviction(d, onshuis, d.office(d.now - timedelta(days=200)), agreed=False,
                         label="scenario_6_rejected"))
    d.add(story_eviction(d, domijn, d.office(d.now - timedelta(days=110)), agreed=None, label="eviction_open"))
    d.add(story_joint_visit(d, d.office(d.now - timedelta(days=4))))
    for days_back in (1, 2, 3):
        d.add(story_new(d, rng.choice((domijn, onshuis)), d.office(d.now - timedelta(days=days_back, hours=6))))
    d.add(story_waiting_offer(d, onshuis, d.office(d.now - timedelta(days=9))))
    # The history: cases opened over fourteen months, a few more each month (busier after the holidays).
    plans = ["quick"] * 3 + ["moved"] * 2 + ["arrangement"] * 7 + ["handover"] * 5 + ["silent"] * 2
    for _ in range(GENERIC_CASES):
        days_back = HISTORY_DAYS * (1 - rng.random() ** 0.85)
        t0 = d.office(d.now - timedelta(days=days_back))
        if t0 > d.now - timedelta(hours=2):
            t0 = d.office(d.now - timedelta(days=days_back + 3))
        d.add(story_corporation(d, rng.choice((domijn, domijn, onshuis)), t0, plan=rng.choice(plans)))


def add_signal_households(d: Demo, count=6):
    """More households with several kinds of arrears, among the open cases, for the regisseur's figures."""
    open_cases = list(
        Case.objects.filter(status__in=[CaseStatus.CONTACTING, CaseStatus.ARRANGEMENT, CaseStatus.WITH_PARTNER])
        .exclude(pk__in=d.named.values())
        .select_related("tenant")
        .order_by("pk")
    )
    for case in d.rng.sample(open_cases, min(count, len(open_cases))):
        add_signals(d, case, d.office(d.now - timedelta(days=d.rng.randint(3, 20))))


def demo_present() -> bool:
    return Organisation.objects.filter(name=MARKER_ORGANISATION).exists()


def seed_demo(now=None) -> dict:
    """Create the demo region and its history; returns a summary. Does nothing when demo data is present."""
    if demo_present():
        return {"created": False}
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        region = create_region()
        d = Demo(region, now)
        plan_stories(d)
        d.run()
        add_signal_households(d)
    return {"created": True, "failures": d.failures, "named": d.named}


def credentials():
    """(username, organisation, role) of every demo user, for the command's closing message."""
    rows = [(username, dict((k, n) for k, n, *_ in ORGANISATIONS)[org], role) for username, org, role, *_ in USERS]
    rows.append((SUPERUSER[0], "—", "superuser"))
    return rows

