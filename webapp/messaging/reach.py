"""Who can be reached about something, and who was: one place for both, so that what a form promises ("SMS ke 2
anggota") and what the timeline says afterwards come from the same rule.

- An agency is reached through its active members with a phone who cover the place (SMS, or WhatsApp for
  WhatsApp numbers) and through the browsers its signed-in accounts subscribed to web push.
- The kecamatan's desk is reached through the browsers of those who triage the incident and the on-duty phone
  (``ON_DUTY_PHONES``); the kabupaten's Pusdalops through its ``kabupaten_staff`` accounts: their phones and
  their browsers.

What was told is counted from the queued rows themselves (``Tally``): a line such as
``{"to": "members", "agency": "Damkar", "channel": "sms", "n": 2}`` exists only when two rows were queued.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from ..access import can, reaches
from ..extensions import db
from ..models import Agency, AgencyMember, OutboundMessage, PushSubscription, User

# Who a line of ``told`` went to.
MEMBERS = "members"  # an agency's members, by phone
AGENCY_STAFF = "agency_staff"  # an agency's signed-in accounts, by push
DESK = "desk"  # the kecamatan staff who triage the incident, by push
DUTY = "duty"  # the kecamatan's on-duty phone
KABUPATEN = "kabupaten"  # the kabupaten's Pusdalops staff, by phone and push


def _place(target) -> str | None:
    """Where a target is, most precisely (an incident's or konsultasi's desa, else its kecamatan)."""
    if target is None:
        return None
    return getattr(target, "desa_code", None) or target.kecamatan_code


def covers(member: AgencyMember, target) -> bool:
    """Is ``target`` (an incident or konsultasi) in the area the agency member covers (theirs, else their
    agency's; none: everywhere)?"""
    area = member.region_code or member.agency.region_code
    place = _place(target)
    return area is None or place == area or place.startswith(area + ".")


def agency_members(agency: Agency, target=None) -> list[AgencyMember]:
    """The members who are told of what is handed or forwarded to ``agency`` about ``target`` (None: anywhere)."""
    return [m for m in agency.members if m.active and m.phone and (target is None or covers(m, target))]


def _agency_subscriptions(agency_ids: list[int], target=None) -> dict[int, list[PushSubscription]]:
    """Per agency, the push subscriptions of its active accounts whose region holds ``target``."""
    found: dict[int, list[PushSubscription]] = defaultdict(list)
    if not agency_ids:
        return found
    rows = db.session.execute(
        select(PushSubscription, User)
        .join(User, PushSubscription.user_id == User.id)
        .where(User.role == "agency", User.active.is_(True), User.agency_id.in_(agency_ids))
        .order_by(PushSubscription.id)
    ).all()
    place = _place(target)
    for subscription, user in rows:
        if place is None or reaches(user, place):
            found[user.agency_id].append(subscription)
    return found


def agency_subscriptions(agency: Agency, target=None) -> list[PushSubscription]:
    return _agency_subscriptions([agency.id], target)[agency.id]


def agency_reach(agencies: list[Agency], target=None) -> dict[int, list[dict]]:
    """How each agency would be told about ``target`` now, as ``told`` lines (empty: nobody can be reached), for
    the forms where an agency is chosen and the agencies' setup page."""
    subscriptions = _agency_subscriptions([a.id for a in agencies], target)
    reach = {}
    for agency in agencies:
        members = agency_members(agency, target)
        lines = [
            {"to": MEMBERS, "agency": agency.name, "channel": channel, "n": n}
            for channel in ("sms", "whatsapp")
            if (n := sum(1 for m in members if m.channel == channel))
        ]
        users = {s.user_id for s in subscriptions[agency.id]}
        if users:
            lines.append({"to": AGENCY_STAFF, "agency": agency.name, "channel": "push", "n": len(users)})
        reach[agency.id] = lines
    return reach


def desk_subscriptions(incident, users: set[int] | None = None, ability: str = "status") -> list[PushSubscription]:
    """The push subscriptions of active users who may use ``ability`` on the incident (and are in ``users``)."""
    query = select(PushSubscription).join(User).where(User.active.is_(True))
    if users is not None:
        query = query.where(User.id.in_(users))
    return [s for s in db.session.scalars(query) if can(s.user, ability, incident)]


def kabupaten_staff(target) -> list[User]:
    """The active Pusdalops (``kabupaten_staff``) accounts whose kabupaten holds ``target``."""
    users = db.session.scalars(
        select(User).where(User.role == "kabupaten_staff", User.active.is_(True)).order_by(User.id)
    )
    place = _place(target)
    return [u for u in users if reaches(u, place)]


class Tally:
    """The rows queued for one notice, by whom they went to; ``lines`` counts them."""

    def __init__(self) -> None:
        self._rows: list[tuple[str, str | None, OutboundMessage]] = []

    def add(self, to: str, row: OutboundMessage, agency: str | None = None) -> None:
        self._rows.append((to, agency, row))

    def __bool__(self) -> bool:
        return bool(self._rows)

    def lines(self) -> list[dict]:
        """``told`` lines: per audience and channel, how many people the queued rows reach (a push counts its
        subscriber once, however many browsers they have)."""
        subscriptions = {row.push_subscription_id for _to, _agency, row in self._rows if row.push_subscription_id}
        owner = dict(
            db.session.execute(
                select(PushSubscription.id, PushSubscription.user_id).where(PushSubscription.id.in_(subscriptions))
            ).all()
        ) if subscriptions else {}  # fmt: skip
        people: dict[tuple, set] = {}
        for to, agency, row in self._rows:
            if row.channel == "push":
                who = ("user", owner.get(row.push_subscription_id, f"s{row.push_subscription_id}"))
            else:
                who = ("phone", row.to_phone or row.to_email)
            people.setdefault((to, agency, row.channel), set()).add(who)
        return [
            {"to": to, **({"agency": agency} if agency else {}), "channel": channel, "n": len(who)}
            for (to, agency, channel), who in people.items()
        ]
