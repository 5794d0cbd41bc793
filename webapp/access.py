"""Who may see or do what: one table of roles, and every rule read from it.

Each role is bound to a region level (an account's ``region_code`` is a region of that level) and holds a set
of abilities. A user reaches their own region and everything inside it (region codes nest: ``35.14.19.2008``
lies inside ``35.14.19``, which lies inside ``35.14``); a role bound to no level reaches every region.

Every rule comes as a pair that agrees by construction:
- ``scope(user, model)``: a SQL condition limiting a query to the rows the user reaches;
- ``can(user, ability, target)``: the same check on one loaded object (an incident, a report, a broadcast)
  or a region code.

Adding a role means adding one row to ``ROLES`` (and the role name to ``models.ROLES``, which the database's
check constraint and a migration follow); nothing else decides who sees what.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import and_, false, select, true

from .extensions import db
from .models import ROLES as STORED_ROLES
from .models import Broadcast, Consultation, Handover, Incident, Need, Region, Report, User, broadcast_desa

# What can be done to one incident from its page; each is also an ability below.
INCIDENT_ACTIONS = (
    "verify", "status", "agency", "severity", "counts", "note", "reply", "merge", "split", "reveal", "classify",
)  # fmt: skip

# The abilities, each a promise about what the holder may do inside the regions they reach.
ABILITIES = {
    "incidents": "see incidents and their reports (lists, pages, photos, exports of them, the JSON API)",
    **{action: f"do '{action}' on an incident" for action in INCIDENT_ACTIONS},
    "report": "submit a report for a desa from the web form",
    "residents": "keep a desa's list of residents who receive broadcasts",
    "broadcasts": "see the broadcasts sent to their region",
    "broadcast": "send a broadcast to the residents of desa",
    "dashboard": "see the SPM figures of a kecamatan or kabupaten",
    "handover": "record their agency's answer to a handover: received, on site, done",
    "acknowledge": "acknowledge (received), as their kabupaten's Pusdalops, a handover to its BPBD",
    "inbox": "read the messages that are not reports (Pesan masuk), make one an incident or mark it handled",
    "consultations": "see the konsultasi of their region (an agency: those forwarded to it)",
    "consult": "ask the kecamatan a question (konsultasi)",
    "answer": "answer a konsultasi",
    "forward": "forward a konsultasi to an agency",
    "settings": "open the settings page, which links every setting they may change",
    "accounts": "create, deactivate and reset the accounts of people in their region",
    "gateway_status": "see whether the SMS gateways of their region are working (the strip on every page)",
    "server": "see whether the server works: the database, the worker, the backups, the rate-limit store, the proxy",
    "gateways": "set up receiving numbers and Android gateways of their kecamatan: keys, test SMS",
    "agencies": "keep the list of agencies covering their region",
    "audit": "see sign-in attempts and the audit log of administrative actions",
    "vocabulary": "set the languages their kecamatan writes and keep the words the parser learned from triage",
    "dusun": "keep the names of the dusun, kampung and dukuh of the desa in their region",
    "warnings": "see BMKG's warnings for their region and what became of their drafts (admins: unmatched ones)",
    "publish": "publish an incident or a broadcast for citizens (the public page, feeds, Telegram), and withdraw it",
    "desa_info": "keep a desa's public information: evacuation points, emergency numbers, Destana level",
    "preparedness": "log the preparedness and information activities of the desa in their region",
    "denominators": "keep the residents in hazard-prone areas per desa and hazard (the SPM denominators)",
    "assess": "record a kaji cepat (rapid assessment) of an incident",
    "emergency": "set and end the emergency status of a kecamatan or kabupaten (the Pemda's decision)",
    "relief": "see the shelters and urgent needs of their region, the daily situation report and Form B-1",
    "shelters": "open, update and close the shelters (pengungsian) of their region",
    "needs": "record the urgent needs of an incident or a shelter",
    "deliver": "record what an agency or a donor delivered against an urgent need",
    "warn": "send (through the broadcast preview) or discard the drafts made from BMKG's warnings for their kecamatan",
}


@dataclass(frozen=True)
class Role:
    levels: tuple[str, ...]  # the region levels an account may be bound to; none: bound to none, reaches all
    abilities: frozenset[str]
    home: str = "incidents.index"  # the page the role lands on after signing in
    handed_only: bool = False  # reaches only what was handed to the account's agency, inside its region
    manages: tuple[str, ...] = ()  # the roles whose accounts it may manage (with "accounts")
    # The menu's first row at 360 px: what the role does most, by destination name (``DESTINATIONS``); every
    # other destination it may open goes into the "Lainnya" fold.
    primary: tuple[str, ...] = ("insiden", "peta")


TRIAGE = frozenset({"incidents", *INCIDENT_ACTIONS})
ROLES: dict[str, Role] = {
    # Admins oversee everything; they report, keep residents and broadcast through a desa or kecamatan account.
    "admin": Role(
        (),
        TRIAGE
        | {"broadcasts", "dashboard", "consultations", "answer", "forward", "accounts"}
        | {"gateway_status", "gateways", "agencies", "audit", "vocabulary", "warnings", "publish"}
        | {"assess", "emergency", "relief", "deliver", "server", "inbox", "settings"},
        manages=("admin", "kabupaten_staff", "kecamatan_staff", "desa_official", "agency"),
        primary=("insiden", "dasbor", "akun", "pengaturan"),
    ),
    # BPBD kabupaten / Pusdalops: sees every kecamatan of its kabupaten, hands over to agencies and writes in
    # the incidents' threads; the kecamatan does its own triage.
    "kabupaten_staff": Role(
        ("kabupaten",),
        frozenset({"incidents", "agency", "note", "dashboard", "broadcasts", "gateway_status", "agencies", "warnings"})
        | {"assess", "emergency", "relief", "deliver", "acknowledge", "settings"},
        primary=("insiden", "peta", "dasbor", "pengungsian"),
    ),
    "kecamatan_staff": Role(
        ("kecamatan",),
        TRIAGE
        | {
            "report",
            "residents",
            "broadcasts",
            "broadcast",
            "dashboard",
            "consultations",
            "answer",
            "forward",
            "accounts",
            "gateway_status",
            "gateways",
            "agencies",
            "vocabulary",
            "dusun",
            "warnings",
            "warn",
            "publish",
            "desa_info",
            "preparedness",
            "denominators",
            "assess",
            "relief",
            "shelters",
            "needs",
            "deliver",
            "inbox",
            "settings",
        },
        manages=("desa_official",),
        primary=("insiden", "peta", "siaran", "konsultasi"),
    ),
    # A desa official reports first: their home is the report button and what became of their reports.
    "desa_official": Role(
        ("desa",),
        frozenset(
            {
                "incidents",
                "verify",
                "note",
                "report",
                "residents",
                "broadcasts",
                "broadcast",
                "consultations",
                "consult",
                "dusun",
                "desa_info",
                "preparedness",
                "relief",
                "shelters",
                "needs",
                "settings",
            }
        ),
        home="reports.mine",
        primary=("beranda", "lapor", "siaran", "konsultasi"),
    ),
    # Someone at BPBD, the Puskesmas, Damkar …: the incidents and questions handed to their agency in its area.
    "agency": Role(
        ("kabupaten", "kecamatan"),
        frozenset({"incidents", "note", "reveal", "handover", "consultations", "answer", "deliver", "settings"}),
        handed_only=True,
        primary=("insiden", "peta", "konsultasi", "kebutuhan"),
    ),
}

# Every page the menu may lead to, in the order the "Lainnya" fold lists them: (name, endpoint, ability). A name
# listed more than once leads to the first of its pages the user may open (the settings of a kecamatan start at
# its gateways, a desa's at its dusun); the menu template labels each endpoint.
DESTINATIONS = (
    ("beranda", "reports.mine", "report"),
    ("insiden", "incidents.index", "incidents"),
    ("lapor", "reports.new", "report"),
    ("peta", "incidents.map_page", "incidents"),
    ("siaran", "broadcasts.index", "broadcast"),
    ("konsultasi", "consultations.index", "consult"),
    ("konsultasi", "consultations.index", "answer"),
    ("bmkg", "warnings.index", "warnings"),
    ("warga", "residents.index", "residents"),
    ("dasbor", "dashboard.index", "dashboard"),
    ("pengungsian", "relief.shelters", "relief"),
    ("kebutuhan", "relief.needs", "deliver"),
    ("kegiatan", "spm.activities", "preparedness"),
    ("akun", "people.index", "accounts"),
    ("pesan", "inbox.index", "inbox"),
    ("pengaturan", "setup.index", "settings"),
)
MAX_PRIMARY = 4  # four destinations and "Lainnya": five tap targets of at least 44 px across a 360 px phone

if set(ROLES) != set(STORED_ROLES) or any(not r.abilities <= set(ABILITIES) for r in ROLES.values()):
    raise RuntimeError("access.ROLES must name every stored role once, with known abilities only")
if any(len(r.primary) > MAX_PRIMARY or not set(r.primary) <= {d[0] for d in DESTINATIONS} for r in ROLES.values()):
    raise RuntimeError(f"access.ROLES: at most {MAX_PRIMARY} primary destinations each, named in DESTINATIONS")


class Forbidden(Exception):
    """The user may not do this here."""


def role_of(user: User) -> Role:
    return ROLES[user.role]


def menu(user: User) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The menu of ``user`` as (name, endpoint) pairs: the role's primary destinations it may open, in the role's
    order, then every other destination it may open (for the "Lainnya" fold). Relief needs are a destination of
    their own only for a role that does not see the shelters (whose pages lead to them)."""
    reachable: dict[str, str] = {}
    for name, endpoint, ability in DESTINATIONS:
        if name not in reachable and can(user, ability):
            reachable[name] = endpoint
    if "pengungsian" in reachable:
        reachable.pop("kebutuhan", None)
    primary = [(name, reachable[name]) for name in role_of(user).primary if name in reachable]
    return primary, [(name, endpoint) for name, endpoint in reachable.items() if name not in role_of(user).primary]


def region_levels(role: str) -> tuple[str, ...]:
    """The region levels an account of ``role`` may be bound to (none: no region)."""
    return ROLES[role].levels


def _reach(user: User) -> str | None:
    """The region code the user reaches (with all inside it); None for a role bound to no region."""
    return user.region_code if role_of(user).levels else None


def _level(code: str) -> str:
    return ("provinsi", "kabupaten", "kecamatan", "desa")[code.count(".")]


def _handed(user: User, target) -> bool:
    """For a role that reaches only what was handed to its agency: was ``target`` handed to the user's agency?"""
    if isinstance(target, Report):
        target = target.incident
    if isinstance(target, Incident):
        return any(h.agency_id == user.agency_id for h in target.handovers)
    if isinstance(target, Consultation):
        return target.agency_id == user.agency_id
    return True  # a region code: the region rule alone


def _inside(code: str | None, reach: str) -> bool:
    return bool(code) and (code == reach or code.startswith(reach + "."))


def _places(target) -> list[str]:
    """Where a target is, most precisely: a region code, or an object's desa (or its kecamatan when it has none,
    or the region it is set for, like an emergency status); a broadcast is where each of its desa is."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, Broadcast):
        return [d.code for d in target.desa] or [target.kecamatan_code]
    return [getattr(target, "desa_code", None) or getattr(target, "kecamatan_code", None) or target.region_code]


def reaches(user: User, target) -> bool:
    """Does ``user`` reach ``target`` (a region code, or an object with ``kecamatan_code``/``desa_code``)?"""
    if not user.is_authenticated or not user.active:
        return False
    reach = _reach(user)
    if reach is None:
        return not role_of(user).levels
    if role_of(user).handed_only and not _handed(user, target):
        return False
    return any(_inside(place, reach) for place in _places(target))


def can(user: User, ability: str, target=None) -> bool:
    """May ``user`` use ``ability`` (on ``target``, when given: it must lie within the user's reach)?"""
    if ability not in ABILITIES:
        raise KeyError(f"unknown ability {ability!r}")
    if not user.is_authenticated or ability not in role_of(user).abilities:
        return False
    return target is None or reaches(user, target)


def is_bpbd(agency) -> bool:
    """An agency that is a BPBD by name ("BPBD", "BPBD Pasuruan")."""
    name = agency.name.casefold()
    return name == "bpbd" or name.startswith("bpbd ")


def answers_handover(user: User, handover: Handover, stage: str) -> bool:
    """May ``user`` record ``stage`` of the agency's answer to ``handover``: a member of that agency (``handover``),
    any stage; or, for the receipt alone (``terima``), the Pusdalops of the incident's kabupaten when the agency
    is a BPBD covering their kabupaten or no area in particular (``acknowledge``: BPBD's own staff at the
    kabupaten, whose agency has no members of its own yet)."""
    incident = handover.incident
    if can(user, "handover", incident) and user.agency_id == handover.agency_id:
        return True
    area = handover.agency.region_code
    return (
        stage == "terima"
        and can(user, "acknowledge", incident)
        and is_bpbd(handover.agency)
        and (area is None or reaches(user, area))
    )


def fetch(model, ident, ability: str | None = None, may=None):
    """The row of ``model`` whose key is ``ident``, for a view: 404 when there is none; 403 unless the signed-in
    user may use ``ability`` on it (``can``), or, for a rule of its own, unless ``may(user, row)`` holds."""
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    if ability is not None and not can(current_user, ability, row):
        abort(403)
    if may is not None and not may(current_user, row):
        abort(403)
    return row


def scope(user: User, model, ability: str = "incidents"):
    """A SQL condition limiting ``model`` to the rows ``user`` reaches with ``ability``.

    ``model`` has ``kecamatan_code`` and ``desa_code`` columns (incidents, reports, consultations, outbound
    messages), or is ``Broadcast``, which reaches a desa through its list of desa. An agency's people reach
    only the incidents and konsultasi handed to their agency.
    """
    if not can(user, ability):
        return false()
    reach = _reach(user)
    if reach is None:
        return true()
    clause = _region_clause(model, reach)
    if role_of(user).handed_only:
        clause = and_(clause, _handed_clause(model, user))
    return clause


def _region_clause(model, reach: str):
    level = _level(reach)
    if level == "desa":
        if model is Broadcast:
            return Broadcast.id.in_(select(broadcast_desa.c.broadcast_id).where(broadcast_desa.c.desa_code == reach))
        return model.desa_code == reach
    if level == "kecamatan":
        return model.kecamatan_code == reach
    return model.kecamatan_code.like(f"{reach}.%")  # a kabupaten or province: every kecamatan inside it


def _handed_clause(model, user: User):
    handed = select(Handover.incident_id).where(Handover.agency_id == user.agency_id)
    if model is Incident:
        return Incident.id.in_(handed)
    if model is Report:
        return Report.incident_id.in_(handed)
    if model is Consultation:
        return Consultation.agency_id == user.agency_id
    if model is Need:
        return true()  # an urgent need is open to every agency of its area: whoever can deliver, should
    return false()


def desa_in_reach(user: User, ability: str) -> list[Region]:
    """The desa a user may use ``ability`` for, by name: a desa official's own, every desa of the kecamatan (or
    kabupaten) for its staff; none without the ability, nor for a role bound to no region (admins act through
    a desa or kecamatan account)."""
    reach = _reach(user)
    if reach is None or not can(user, ability):
        return []
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.level == "desa", (Region.code == reach) | Region.code.like(f"{reach}.%"))
            .order_by(Region.name, Region.code)
        )
    )


def desa_for_form(user: User, ability: str, submitted: list[str]) -> list[Region]:
    """``desa_in_reach`` for a form's choices; ``Forbidden`` when the user has none, or when ``submitted``
    names a desa outside them (a tampered form: refused outright, not as a choice to correct)."""
    desa = desa_in_reach(user, ability)
    codes = {d.code for d in desa}
    if not desa or any(code and code not in codes for code in submitted):
        raise Forbidden(ability)
    return desa


def area_in_reach(user: User, requested: str | None) -> str | None:
    """The region a figures page covers: the one asked for, else the user's own (None: everything, for a role
    bound to no region). Raises ``Forbidden`` for a region outside the user's reach."""
    code = requested or _reach(user)
    if code is not None and not reaches(user, code):
        raise Forbidden(code)
    return code


# What a view asks of its caller, kept on the view function (``view.ability``) so that the permission test
# can check every registered route: an ability from ``ABILITIES``, or one of these two.
PUBLIC = "public"  # anyone: sign-in, language, health, static files; webhooks check their own signatures
SIGNED_IN = "signed in"  # any signed-in user (sign out)


def public(view):
    """Mark a view as open to anyone."""
    view.ability = PUBLIC
    return view


def signed_in(view):
    """Any signed-in user may use this view."""
    wrapped = login_required(view)
    wrapped.ability = SIGNED_IN
    return wrapped


def ability_required(ability: str):
    """A view for signed-in users whose role holds ``ability`` (403 otherwise); the view itself still checks
    the region of whatever it loads."""
    if ability not in ABILITIES:
        raise KeyError(f"unknown ability {ability!r}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, ability):
                abort(403)
            return view(*args, **kwargs)

        wrapped.ability = ability
        return wrapped

    return decorator


def manages(user: User, other: User) -> bool:
    """May ``user`` create, deactivate and reset ``other``'s account: a role it manages, inside its region."""
    return (
        can(user, "accounts")
        and other.role in role_of(user).manages
        and (not role_of(user).levels or bool(other.region_code) and reaches(user, other.region_code))
    )


def managed_users(user: User):
    """A query for the accounts ``user`` manages (``manages``, as SQL)."""
    query = select(User).where(User.role.in_(role_of(user).manages) if can(user, "accounts") else false())
    reach = _reach(user)
    if reach is not None:
        query = query.where((User.region_code == reach) | User.region_code.like(f"{reach}.%"))
    return query


# The public (anyone, signed in or not) is a role bound to no region that reads only what staff published.
PUBLIC_STATUSES = ("diverifikasi", "ditangani", "selesai")  # an incident unverified, rejected or merged never shows


def publishable(incident: Incident) -> bool:
    """Can ``incident`` be published: is it verified (and not rejected or merged)? The incident page offers the
    publish box only then."""
    return incident.status in PUBLIC_STATUSES


def published(model):
    """SQL: the rows of ``model`` (``Incident`` or ``Broadcast``) the public may read: published by staff and not
    withdrawn; for incidents, only verified ones."""
    clause = model.published_at.is_not(None) & model.withdrawn_at.is_(None)
    if model is Incident:
        clause = clause & Incident.status.in_(PUBLIC_STATUSES)
    return clause


def is_published(target) -> bool:
    """``published`` on one loaded incident or broadcast."""
    shown = target.published_at is not None and target.withdrawn_at is None
    return shown and (not isinstance(target, Incident) or target.status in PUBLIC_STATUSES)
