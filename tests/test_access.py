"""The permission test, generated from ``webapp.access.ROLES``: every role × every route the app registers ×
a target in the user's own region, in its parent region (but outside their own), and in another region.

What each role may do comes from the table alone: a role holding the route's ability is allowed on its own
region and everything inside it, and nowhere else unless it is bound to no region. Allowed requests answer
200/201/303; refused ones 403 and change nothing; unknown objects 404. Lists show exactly what is in reach.
A route the test does not know, or whose view does not declare the ability it needs, fails the test.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, login
from webapp.access import PUBLIC, ROLES, SIGNED_IN
from webapp.accounts import issue_api_token
from webapp.extensions import db
from webapp.incidents import merging
from webapp.models import (
    Agency,
    AgencyMember,
    AuditEntry,
    Broadcast,
    Consultation,
    DesaInfo,
    Dusun,
    EmergencyStatus,
    FigureProposal,
    GatewayTest,
    Handover,
    HazardPopulation,
    Incident,
    IncidentEvent,
    LearnedTerm,
    Need,
    OutboundMessage,
    PreparednessActivity,
    PushSubscription,
    ReceivingNumber,
    Region,
    Report,
    Reporter,
    Shelter,
    User,
    WarningAlert,
    WarningDraft,
    utcnow,
)

WINONGAN, REJOSO, LAMPIHONG, PASURUAN = "35.14.19", "35.14.23", "63.11.05", "35.14"
VARIANTS = ("own", "parent", "other")
PUBLIC_ENDPOINTS = {
    "auth.login", "auth.language", "health.healthz", "static", "service_worker", "incidents.home",
    "webhooks.twilio", "webhooks.twilio_status", "webhooks.android",
    "public.kecamatan", "public.kabupaten", "public.feed", "public.cap_feed", "public.incident", "public.broadcast",
    "public.broadcast_cap", "public.incident_card", "public.broadcast_card",
}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Place:
    """One desa with two incidents (the first with two reports and a photo), a resident and a broadcast."""

    kecamatan: str
    desa: str
    code: str = ""
    incidents: list[Incident] = field(default_factory=list)
    resident: Reporter | None = None
    broadcast: Broadcast | None = None
    merged: Incident | None = None  # merged into the first incident
    official: User | None = None  # the desa's official, whose account managers may reset
    consultation: Consultation | None = None  # the official's question, forwarded to BPBD
    photo_report: int = 0  # the first incident's report with a photo
    number: ReceivingNumber | None = None  # an Android gateway of the kecamatan, named after the desa
    agency: Agency | None = None  # an agency covering the kecamatan, with one member
    member: AgencyMember | None = None
    index: int = 0
    term: LearnedTerm | None = None  # a word the kecamatan was taught
    dusun: Dusun | None = None
    draft: WarningDraft | None = None  # a BMKG warning's draft for the kecamatan
    activity: PreparednessActivity | None = None  # a drill logged for the desa, with a photo
    shelter: Shelter | None = None  # an open shelter of the desa, with a need
    need: Need | None = None
    emergency: EmergencyStatus | None = None  # a siaga darurat of the kecamatan
    proposal: FigureProposal | None = None  # figures a report proposed for the first incident
    message: Report | None = None  # a message that is not a report, waiting in the kecamatan's inbox


# Where each variant's target lies for a user bound to each region level. A role bound to a new level makes
# this raise: say here where its own, parent and other regions are.
HOME = {
    None: {"own": ("35.14.19", "Gading"), "parent": (REJOSO, "Patuguran"), "other": (LAMPIHONG, "Lajar")},
    # Kabupaten Pasuruan's parent is Jawa Timur, where no other kabupaten is loaded: both lie in Balangan.
    "kabupaten": {"own": (WINONGAN, "Gading"), "parent": (LAMPIHONG, "Lajar"), "other": (LAMPIHONG, "Lajar")},
    "kecamatan": {"own": (WINONGAN, "Gading"), "parent": (REJOSO, "Patuguran"), "other": (LAMPIHONG, "Lajar")},
    "desa": {"own": (WINONGAN, "Gading"), "parent": (WINONGAN, "Prodo"), "other": (LAMPIHONG, "Lajar")},
}
AREA = {  # the dashboard's ``wilayah`` for each variant: the user's own region, its parent, another
    None: {"own": WINONGAN, "parent": PASURUAN, "other": LAMPIHONG},
    "kabupaten": {"own": PASURUAN, "parent": "35", "other": LAMPIHONG},
    "kecamatan": {"own": WINONGAN, "parent": PASURUAN, "other": LAMPIHONG},
    "desa": {"own": "35.14.19.2018", "parent": WINONGAN, "other": LAMPIHONG},  # own: Gading, a desa
}


def allowed(role: str, ability: str, variant: str | None) -> bool:
    """The table's answer: the role holds the ability, and the target lies in its region (or it has none)."""
    row = ROLES[role]
    return ability in row.abilities and (variant in (None, "own") or not row.levels)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with the target place's ids: {incident}, {other_incident}, {report}, {resident}, …
    ability: str
    form: dict = field(default_factory=dict)
    target: bool = True  # the path or form names a place; False: a page or list with no region in it
    listing: str | None = None  # for lists: what of each place shows when it is in reach ("ticket", "name", …)
    ok: tuple = (200, 303)


CASES: dict[str, list[Case]] = {
    "incidents.index": [Case("get", "/incidents", "incidents", target=False, listing="ticket")],
    "incidents.detail": [Case("get", "/incidents/{incident}", "incidents")],
    "incidents.change_status": [
        Case("post", "/incidents/{incident}/status", "verify", {"status": "diverifikasi"}),
        Case("post", "/incidents/{incident}/status", "status", {"status": "ditolak", "confirm": "1"}),
    ],
    "incidents.hand_over": [Case("post", "/incidents/{incident}/agency", "agency", {"agency_id": "{agency}"})],
    "incidents.withdraw_handover": [
        Case("post", "/incidents/{incident}/agency/withdraw", "agency", {"agency_id": "{handed}"})
    ],
    "incidents.set_severity": [Case("post", "/incidents/{incident}/severity", "severity", {"severity": "2"})],
    "incidents.correct_counts": [Case("post", "/incidents/{incident}/counts", "counts", {"luka": "1"})],
    "incidents.decide_figures": [
        Case("post", "/incidents/{incident}/figures/{proposal}", "counts", {"keputusan": "terima"})
    ],
    "incidents.add_note": [Case("post", "/incidents/{incident}/notes", "note", {"note": "cek lokasi"})],
    "incidents.reply": [Case("post", "/incidents/{incident}/reply", "reply", {"text": "Tim menuju lokasi"})],
    "incidents.merge": [
        Case("post", "/incidents/{incident}/merge", "merge", {"ticket": "{other_ticket}", "confirm": "1"})
    ],
    "incidents.unmerge": [Case("post", "/incidents/{merged}/unmerge", "merge")],
    "incidents.split": [Case("post", "/reports/{report}/split", "split", {"confirm": "1"})],
    "incidents.record_handover": [Case("post", "/incidents/{incident}/handover", "handover", {"stage": "terima"})],
    "incidents.acknowledge_for_bpbd": [Case("post", "/incidents/{incident}/bpbd", "acknowledge")],
    "incidents.map_page": [Case("get", "/peta", "incidents", target=False, listing="ticket")],
    "incidents.reveal_phone": [Case("post", "/reports/{report}/phone", "reveal")],
    "reports.photo": [Case("get", "/reports/{photo_report}/photo", "incidents")],
    "reports.mine": [Case("get", "/beranda", "report", target=False)],
    "reports.new": [
        Case("get", "/reports/new", "report", target=False),
        Case(
            "post",
            "/reports/new",
            "report",
            {"hazard": "banjir", "desa": "{desa}", "description": "Air naik", "idempotency_key": "kunci-uji-0001"},
        ),  # fmt: skip
    ],
    "residents.index": [Case("get", "/residents", "residents", target=False, listing="resident")],
    "residents.add": [
        Case("post", "/residents", "residents", {"name": "Bu Ani", "phone": "081299990000", "desa": "{desa}"})
    ],  # fmt: skip
    # Rows naming a desa outside the user's region are listed as errors line by line, not refused as a whole.
    "residents.import_file": [Case("post", "/residents/import", "residents", {"file": "{csv}"}, target=False)],
    "residents.remove": [Case("post", "/residents/{resident}/remove", "residents")],
    "broadcasts.index": [Case("get", "/broadcasts", "broadcasts", target=False, listing="broadcast")],
    "broadcasts.detail": [Case("get", "/broadcasts/{broadcast}", "broadcasts")],
    "broadcasts.progress_fragment": [Case("get", "/broadcasts/{broadcast}/kemajuan", "broadcasts")],
    "broadcasts.new": [
        Case("get", "/broadcasts/new", "broadcast", target=False),
        Case(
            "post",
            "/broadcasts/new",
            "broadcast",
            {
                "action": "send",
                "key": "siaran-uji-01",
                "kind": "peringatan",
                "hazard": "banjir",
                "desa": "{desa}",
                "body": "Siaga banjir",
            },
        ),
    ],  # fmt: skip
    "broadcasts.live_preview": [
        Case("post", "/broadcasts/preview", "broadcast", {"kind": "peringatan", "desa": "{desa}", "body": "Tes"})
    ],
    "dashboard.index": [
        Case("get", "/dashboard?wilayah={area}", "dashboard"),
        Case("get", "/dashboard", "dashboard", target=False),
    ],  # fmt: skip
    "dashboard.csv_export": [Case("get", "/dashboard/incidents.csv?wilayah={area}", "dashboard")],
    "dashboard.geojson_export": [Case("get", "/dashboard/incidents.geojson?wilayah={area}", "dashboard")],
    "dashboard.recap": [Case("get", "/dashboard/recap?wilayah={area}", "dashboard")],
    "api.incidents": [Case("api", "/api/incidents", "incidents", target=False, listing="ticket")],
    "api.reports": [Case("api", "/api/reports", "incidents", target=False, listing="report_text")],
    "api.dashboard": [
        Case("api", "/api/dashboard?wilayah={area}", "dashboard"),
        Case("api", "/api/dashboard", "dashboard", target=False),
    ],  # fmt: skip
    "auth.logout": [Case("post", "/logout", SIGNED_IN, target=False)],
    "incidents.timeline": [Case("get", "/incidents/{incident}/timeline", "incidents")],
    "people.index": [Case("get", "/akun", "accounts", target=False, listing="official")],
    "people.create": [
        Case(
            "post",
            "/akun",
            "accounts",
            {"name": "Kades Baru", "email": "baru-{desa}@uji.test", "role": "desa_official", "region": "{desa}"},
        )
    ],  # fmt: skip
    "people.reset": [Case("post", "/akun/{official}/sandi", "accounts")],
    "people.toggle": [Case("post", "/akun/{official}/aktif", "accounts")],
    "people.own_password": [Case("get", "/sandi", SIGNED_IN, target=False)],
    "consultations.index": [Case("get", "/konsultasi", "consultations", target=False, listing="question")],
    "consultations.new": [
        Case("get", "/konsultasi/baru", "consult", target=False),
        Case(
            "post",
            "/konsultasi/baru",
            "consult",
            {"question": "Bagaimana minta terpal?", "idempotency_key": "tanya-uji-0001"},
            target=False,
        ),  # fmt: skip
    ],
    "consultations.detail": [Case("get", "/konsultasi/{consultation}", "consultations")],
    "consultations.reply": [Case("post", "/konsultasi/{consultation}/jawab", "answer", {"text": "Ajukan ke BPBD."})],
    "consultations.forward_to_agency": [
        Case("post", "/konsultasi/{consultation}/teruskan", "forward", {"agency_id": "{agency}"})
    ],
    "consultations.photo": [Case("get", "/konsultasi/{consultation}/foto", "consultations")],
    "consultations.to_incident": [Case("post", "/konsultasi/{consultation}/insiden", "report", {"hazard": "banjir"})],
    "push.add": [
        Case(
            "json",
            "/push/subscriptions",
            SIGNED_IN,
            target=False,
            ok=(201,),
            form={"endpoint": "https://push.example.test/abc", "keys": {"p256dh": "BNc", "auth": "tBH"}},
        )
    ],
    "setup.index": [Case("get", "/pengaturan", "settings", target=False)],
    "setup.gateways": [Case("get", "/pengaturan/gateway", "gateway_status", target=False, listing="gateway")],
    "setup.add_gateway": [
        Case(
            "post",
            "/pengaturan/gateway",
            "gateways",
            {"gateway": "android", "address": "dev-baru", "label": "HP baru", "kecamatan": WINONGAN},
            target=False,
        ),  # fmt: skip
        # Taking over another kecamatan's device is acting in that kecamatan.
        Case(
            "post",
            "/pengaturan/gateway",
            "gateways",
            {"gateway": "android", "address": "{device}", "kecamatan": WINONGAN},
        ),  # fmt: skip
    ],
    "setup.gateway": [Case("get", "/pengaturan/gateway/{number}", "gateway_status")],
    "setup.edit_gateway": [
        Case("post", "/pengaturan/gateway/{number}", "gateways", {"label": "HP gateway baru", "phone": "081234500000"})
    ],
    "setup.new_key": [Case("post", "/pengaturan/gateway/{number}/kunci", "gateways")],
    "setup.test_sms": [Case("post", "/pengaturan/gateway/{number}/uji", "gateways")],
    "setup.tests": [Case("get", "/pengaturan/gateway/{number}/uji", "gateway_status")],
    "setup.remove_gateway": [Case("post", "/pengaturan/gateway/{number}/hapus", "gateways")],
    "setup.agencies": [Case("get", "/pengaturan/instansi", "agencies", target=False, listing="agency")],
    "setup.add_agency_view": [
        Case("post", "/pengaturan/instansi", "agencies", {"name": "Puskesmas Baru {desa}", "area": "{kecamatan}"})
    ],
    "setup.toggle_agency": [Case("post", "/pengaturan/instansi/{local_agency}/aktif", "agencies")],
    "setup.add_member_view": [
        Case(
            "post",
            "/pengaturan/instansi/{local_agency}/petugas",
            "agencies",
            {"name": "Bu Bidan", "phone": "{member_phone}", "channel": "sms"},
        )  # fmt: skip
    ],
    "setup.remove_member_view": [Case("post", "/pengaturan/instansi/petugas/{member}/hapus", "agencies")],
    "setup.sign_ins": [Case("get", "/pengaturan/masuk", "audit", target=False)],
    "setup.audit": [Case("get", "/pengaturan/audit", "audit", target=False)],
    "health.server": [Case("get", "/pengaturan/server", "server", target=False)],
    "incidents.classify": [
        Case("post", "/incidents/{incident}/classify", "classify", {"hazard": "tanah_longsor", "desa": "{desa}"})
    ],
    "vocabulary.index": [Case("get", "/kosakata", "vocabulary", target=False, listing="term")],
    "inbox.index": [Case("get", "/pesan-masuk", "inbox", target=False, listing="message")],
    "inbox.make_incident": [Case("post", "/pesan-masuk/{message}/insiden", "inbox")],
    "inbox.handle": [Case("post", "/pesan-masuk/{message}/selesai", "inbox")],
    "vocabulary.teach_view": [
        Case(
            "post",
            "/kosakata",
            "vocabulary",
            {"kind": "hazard", "phrase": "banjir", "value": "banjir", "report_id": "{report}"},
        )  # fmt: skip
    ],
    "vocabulary.forget_view": [Case("post", "/kosakata/{term}/hapus", "vocabulary")],
    "vocabulary.languages": [
        Case("post", "/kosakata/bahasa", "vocabulary", {"kecamatan": "{kecamatan}", "language": "mad"})
    ],
    "vocabulary.dusun": [Case("get", "/dusun", "dusun", target=False, listing="dusun")],
    "warnings.index": [Case("get", "/peringatan", "warnings", target=False, listing="draft")],
    "warnings.short_link": [Case("get", "/w/{draft}", "warnings", ok=(302,))],
    "warnings.discard_view": [Case("post", "/peringatan/{draft}/buang", "warn")],
    "public.publish_incident_view": [
        Case("post", "/incidents/{verified}/publikasi", "publish", {"summary": "Posko di balai desa"})
    ],
    "public.withdraw_incident_view": [Case("post", "/incidents/{shown}/tarik", "publish")],
    "public.publish_broadcast_view": [Case("post", "/broadcasts/{broadcast}/publikasi", "publish")],
    "public.withdraw_broadcast_view": [Case("post", "/broadcasts/{shown_broadcast}/tarik", "publish")],
    "spm.index": [Case("get", "/spm?wilayah={area}", "dashboard")],
    "spm.csv_export": [Case("get", "/spm.csv?wilayah={area}", "dashboard")],
    "spm.kencana": [Case("get", "/kencana?wilayah={area}", "dashboard")],
    "spm.denominators": [
        Case("get", "/spm/penduduk", "denominators", target=False),
        Case(
            "post",
            "/spm/penduduk",
            "denominators",
            {"desa": "{desa}", "hazard": "banjir", "people": "120", "source": "BPBD 2025", "year": "2025"},
        ),
    ],  # fmt: skip
    "spm.new_activity": [
        Case("get", "/kesiapsiagaan/baru", "preparedness", target=False),
        Case(
            "post",
            "/kesiapsiagaan/baru",
            "preparedness",
            {
                "desa": "{desa}",
                "kind": "sosialisasi",
                "hazard": "banjir",
                "held_on": "01-11-2026",
                "participants": "40",
                "idempotency_key": "kunci-kegiatan-01",
            },
        ),
    ],  # fmt: skip
    "spm.activities": [Case("get", "/kesiapsiagaan", "preparedness", target=False, listing="activity")],
    "spm.activity_photo": [Case("get", "/kesiapsiagaan/{activity}/foto", "preparedness")],
    "relief.form_b1": [Case("get", "/incidents/{incident}/b1", "relief")],
    "relief.save_b1": [Case("post", "/incidents/{incident}/b1", "counts", {"akses": "Jalan putus"})],
    "relief.assess": [Case("post", "/incidents/{incident}/kaji-cepat", "assess", {"assessor": "TRC", "findings": "x"})],
    "relief.emergency": [
        Case("get", "/status-darurat", "dashboard", target=False),
        Case(
            "post",
            "/status-darurat",
            "emergency",
            {
                "region": "{kecamatan}",
                "hazard": "banjir",
                "status": "siaga_darurat",
                "starts_on": "01-11-2026",
                "basis": "SK Bupati 1/2026",
            },
        ),
    ],  # fmt: skip
    "relief.end_emergency": [Case("post", "/status-darurat/{emergency}/akhiri", "emergency")],
    "relief.shelters": [Case("get", "/pengungsian", "relief", target=False, listing="shelter")],
    "relief.new_shelter": [Case("post", "/pengungsian", "shelters", {"desa": "{desa}", "name": "Balai desa"})],
    "relief.shelter": [Case("get", "/pengungsian/{shelter}", "relief")],
    "relief.count": [Case("post", "/pengungsian/{shelter}", "shelters", {"people": "10", "households": "3"})],
    "relief.close": [Case("post", "/pengungsian/{shelter}/tutup", "shelters")],
    "relief.new_need": [
        Case(
            "post", "/kebutuhan", "needs", {"shelter": "{shelter}", "item": "pangan", "quantity": "10", "unit": "paket"}
        )
    ],
    "relief.needs": [Case("get", "/kebutuhan", "deliver", target=False, listing="need")],
    "relief.deliver_view": [Case("post", "/kebutuhan/{need}/serahkan", "deliver", {"quantity": "1", "donor": "Warga"})],
    "relief.need_quantity": [Case("post", "/kebutuhan/{need}/jumlah", "needs", {"quantity": "250", "unit": "liter"})],
    "relief.daily": [Case("get", "/laporan-harian?wilayah={area}", "dashboard")],
    "dashboard.recap_csv": [Case("get", "/dashboard/recap.csv?wilayah={area}", "dashboard")],
    "public.desa_info": [
        Case("get", "/info-desa", "desa_info", target=False),
        Case("post", "/info-desa", "desa_info", {"desa": "{desa}", "evacuation": "Balai desa", "numbers": "112"}),
    ],
    "vocabulary.add_dusun_view": [Case("post", "/dusun", "dusun", {"desa": "{desa}", "name": "Krajan Kidul"})],
    "vocabulary.import_dusun_view": [Case("post", "/dusun/impor", "dusun", {"file": "{dusun_csv}"}, target=False)],
    "vocabulary.remove_dusun_view": [Case("post", "/dusun/{dusun}/hapus", "dusun")],
    "push.remove": [
        Case(
            "json",
            "/push/subscriptions/remove",
            SIGNED_IN,
            target=False,
            form={"endpoint": "https://push.example.test/abc"},
        )
    ],
}


def test_every_registered_route_is_in_the_test_and_declares_its_ability(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(CASES) | PUBLIC_ENDPOINTS, "add the new route to CASES (or PUBLIC_ENDPOINTS)"
    for endpoint in endpoints:
        declared = getattr(app.view_functions[endpoint], "ability", None)
        assert declared is not None, f"{endpoint}: decorate the view with its ability (webapp.access)"
        if endpoint in PUBLIC_ENDPOINTS:
            assert declared == PUBLIC, endpoint
        else:  # the route's own check is the widest ability its cases need
            assert declared in {case.ability for case in CASES[endpoint]} | {"incidents"}, endpoint


def _world(make_user, make_incident) -> dict:
    places = {}
    bpbd = db.session.scalar(select(Agency).where(Agency.name == "BPBD"))
    for kecamatan, desa in {place for variants in HOME.values() for place in variants.values()}:
        place = Place(kecamatan, desa, desa_code(kecamatan, desa), index=len(places))
        place.number = ReceivingNumber(gateway="android", address=f"dev-{desa.lower()}", kecamatan_code=kecamatan,
                                       label=f"HP gateway {desa}", phone=f"+62812{len(places):02d}555555")  # fmt: skip
        place.agency = Agency(name=f"Puskesmas {desa}", region_code=kecamatan)
        place.member = AgencyMember(agency=place.agency, name=f"Perawat {desa}", phone=f"+62812{len(places):02d}666666")
        place.term = LearnedTerm(kecamatan_code=kecamatan, kind="hazard", phrase=f"galodo{len(places)}", value="banjir")
        place.dusun = Dusun(desa_code=place.code, name=f"Krajan {desa}", source="petugas")
        alert = WarningAlert(source="nowcast", identifier=f"CAP-{desa}", event="Hujan Lebat", hazard="banjir",
                             issued_at=utcnow(), expires_at=utcnow() + timedelta(hours=3), matched=True)  # fmt: skip
        place.draft = WarningDraft(alert=alert, kecamatan_code=kecamatan, body=f"BMKG: hujan lebat di {desa}")
        place.activity = PreparednessActivity(key=f"a-{desa}", desa_code=place.code, kecamatan_code=kecamatan,
                                              kind="gladi", held_on=date(2026, 10, 1), participants=25,
                                              note=f"Gladi {desa}", photo=PNG, photo_type="image/png")  # fmt: skip
        place.shelter = Shelter(code=f"S{len(places):03d}", kecamatan_code=kecamatan, desa_code=place.code,
                                name=f"Posko {desa}", capacity=100, people=20, households=5)  # fmt: skip
        place.need = Need(kecamatan_code=kecamatan, desa_code=place.code, shelter=place.shelter, item="air_bersih",
                          quantity=100, unit="liter", note=f"Air untuk {desa}")  # fmt: skip
        place.emergency = EmergencyStatus(region_code=kecamatan, hazard="banjir", status="siaga_darurat",
                                          starts_on=date(2026, 11, 1), basis=f"SK {desa}")  # fmt: skip
        place.message = Report(channel="sms", external_id=f"pesan-{desa}", raw_text=f"Selamat pagi, salam dari {desa}",
                               kecamatan_code=kecamatan, desa_code=place.code, command="pesan", counts={})  # fmt: skip
        db.session.add_all([place.number, place.agency, place.member, place.term, place.dusun, place.draft,
                            place.activity, place.shelter, place.need, place.emergency, place.message])  # fmt: skip
        place.incidents = [
            make_incident(
                kecamatan, desa, reports=(f"+62812{len(places):02d}000001", f"+62812{len(places):02d}000002")
            ),
            make_incident(kecamatan, desa, reports=(f"+62812{len(places):02d}000003",)),
        ]
        place.incidents[0].reports[0].photo, place.incidents[0].reports[0].photo_type = PNG, "image/png"
        place.proposal = FigureProposal(
            incident=place.incidents[0], counts={"meninggal": 9}, before={"meninggal": None}
        )
        db.session.add(place.proposal)
        db.session.flush()
        place.photo_report = place.incidents[0].reports[0].id
        db.session.add(Handover(incident=place.incidents[0], agency=bpbd))
        place.merged = make_incident(kecamatan, desa, reports=(f"+62812{len(places):02d}000004",))
        place.resident = Reporter(phone=f"+62813{len(places):02d}000009", name=f"Warga {desa}", desa_code=place.code)
        db.session.add(place.resident)
        places[desa] = place
    creator = make_user("admin")
    for place in places.values():
        merging.merge(place.merged, creator, place.incidents[0].ticket)
        place.official = make_user(
            "desa_official", place.kecamatan, desa=place.desa, email=f"kades-{place.code}@uji.test"
        )
        place.consultation = Consultation(key=f"k-{place.code}", desa_code=place.code, kecamatan_code=place.kecamatan,
                                          asked_by_id=place.official.id, question=f"Tanya dari {place.desa}",
                                          photo=PNG, photo_type="image/png", agency_id=bpbd.id)  # fmt: skip
        db.session.add(place.consultation)
        place.broadcast = Broadcast(key=f"b-{place.desa}", kind="informasi", body=f"INFO siaran {place.desa}",
                                    kecamatan_code=place.kecamatan, created_by_id=creator.id, published_at=utcnow(),
                                    desa=[db.session.get(Region, place.code)])  # fmt: skip
        place.incidents[1].status, place.incidents[1].published_at = "diverifikasi", utcnow()  # public
        db.session.add(place.broadcast)
    db.session.commit()
    return places


def _snapshot() -> tuple:
    """Everything a refused request must leave as it was."""
    db.session.expire_all()
    incidents = db.session.execute(
        select(Incident.id, Incident.status, Incident.severity, Incident.luka, Incident.merged_into_id).order_by(
            Incident.id
        )
    ).all()
    handovers = db.session.execute(select(Handover.incident_id, Handover.agency_id).order_by(Handover.id)).all()
    reports = db.session.execute(
        select(Report.id, Report.incident_id, Report.command, Report.handled_at).order_by(Report.id)
    ).all()
    residents = db.session.execute(select(Reporter.id, Reporter.desa_code).order_by(Reporter.id)).all()
    users = db.session.execute(select(User.id, User.active, User.password_hash).order_by(User.id)).all()
    consultations = db.session.execute(
        select(Consultation.id, Consultation.status, Consultation.answer, Consultation.agency_id).order_by(
            Consultation.id
        )
    ).all()
    numbers = db.session.execute(
        select(
            ReceivingNumber.address,
            ReceivingNumber.kecamatan_code,
            ReceivingNumber.label,
            ReceivingNumber.phone,
            ReceivingNumber.signing_key,
        ).order_by(ReceivingNumber.id)  # fmt: skip
    ).all()
    agencies = db.session.execute(select(Agency.id, Agency.active, Agency.region_code).order_by(Agency.id)).all()
    agencies += db.session.execute(select(Region.code, Region.languages).where(Region.languages.is_not(None))).all()
    incidents += db.session.execute(
        select(Incident.id, Incident.hazard, Incident.desa_code).order_by(Incident.id)
    ).all()
    members = db.session.execute(select(AgencyMember.id, AgencyMember.active).order_by(AgencyMember.id)).all()
    tables = (IncidentEvent, OutboundMessage, Broadcast, PushSubscription, GatewayTest, AuditEntry, LearnedTerm, Dusun)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in tables]
    counts += db.session.execute(select(WarningDraft.id, WarningDraft.state).order_by(WarningDraft.id)).all()
    counts += db.session.execute(select(Incident.id, Incident.published_at, Incident.withdrawn_at,
                                        Incident.public_summary).order_by(Incident.id)).all()  # fmt: skip
    counts += db.session.execute(select(Broadcast.id, Broadcast.published_at, Broadcast.withdrawn_at)).all()
    counts += db.session.execute(select(FigureProposal.id, FigureProposal.status).order_by(FigureProposal.id)).all()
    counts += db.session.execute(select(Need.id, Need.quantity, Need.unit).order_by(Need.id)).all()
    counts += [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (DesaInfo, HazardPopulation, PreparednessActivity)
    ]
    return incidents, handovers, reports, residents, users, consultations, numbers, agencies, members, counts


def _fill(value: str, place: Place, area: str | None):
    first, second = place.incidents
    values = {
        "incident": first.id, "other_ticket": second.ticket, "report": first.reports[1].id,
        "photo_report": place.photo_report, "resident": place.resident.id, "desa": place.code, "area": area or "",
        "agency": db.session.scalar(select(Agency.id).where(Agency.name == "PLN")),
        "handed": db.session.scalar(select(Agency.id).where(Agency.name == "BPBD")), "merged": place.merged.id,
        "official": place.official.id, "consultation": place.consultation.id, "number": place.number.id,
        "device": place.number.address, "kecamatan": place.kecamatan, "local_agency": place.agency.id,
        "member": place.member.id, "member_phone": f"08127{place.index:02d}77777", "term": place.term.id,
        "dusun": place.dusun.id, "draft": place.draft.id, "verified": second.id, "shown": second.id,
        "broadcast": place.broadcast.id, "shown_broadcast": place.broadcast.id, "activity": place.activity.id,
        "shelter": place.shelter.id, "need": place.need.id, "emergency": place.emergency.id,
        "proposal": place.proposal.id, "message": place.message.id,
    }  # fmt: skip
    if value == "{dusun_csv}":
        return io.BytesIO(f"desa,dusun,nama lain\n{place.desa},Krajan Baru,Krajan Anyar\n".encode()), "dusun.csv"
    if value == "{csv}":
        return io.BytesIO(f"nama,telepon,desa\nBu Ani,081299990001,{place.desa}\n".encode()), "warga.csv"
    return value.format(**values)


def _request(app, user, case: Case, place: Place, area: str | None):
    path = _fill(case.path, place, area)
    if case.method == "api":
        client = app.test_client()
        return client.get(path, headers={"Authorization": f"Bearer {issue_api_token(user)}"})
    client = app.test_client()
    token = csrf_token(client, "/login")
    login(client, user.email)
    if case.method == "get":
        return client.get(path)
    if case.method == "json":
        return client.post(path, json=case.form, headers={"X-CSRFToken": token})
    data = {name: _fill(value, place, area) for name, value in case.form.items()}
    multipart = "file" in data or case.path == "/reports/new"
    return client.post(path, data={**data, "csrf_token": token},
                       content_type="multipart/form-data" if multipart else None)  # fmt: skip


def _listing(place: Place, what: str) -> str:
    return {
        "ticket": place.incidents[0].ticket, "resident": place.resident.name, "broadcast": place.broadcast.body,
        "report_text": place.incidents[0].reports[0].raw_text, "official": place.official.email,
        "question": place.consultation.question, "gateway": place.number.label, "agency": place.agency.name,
        "term": place.term.phrase, "dusun": place.dusun.name, "draft": place.draft.body,
        "activity": place.activity.note, "shelter": place.shelter.name, "need": place.need.note,
        "message": place.message.raw_text,
    }[what]  # fmt: skip


def _level(role: str) -> str | None:
    """The region level the test binds an account of ``role`` to: the widest it may have."""
    levels = ROLES[role].levels
    return levels[0] if levels else None


def _user(make_user, role: str):
    """An account of ``role`` at home in Winongan (its desa Gading, its kabupaten Pasuruan); an agency's member
    belongs to BPBD, to which every place's first incident is handed."""
    level = _level(role)
    if level is None:
        return make_user(role)
    region = {"kabupaten": PASURUAN, "kecamatan": WINONGAN, "desa": WINONGAN}[level]
    agency = db.session.scalar(select(Agency.id).where(Agency.name == "BPBD")) if ROLES[role].handed_only else None
    return make_user(role, region, desa="Gading" if level == "desa" else None, agency=agency)


CASE_IDS = [(endpoint, n) for endpoint, cases in CASES.items() for n in range(len(cases))]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("endpoint", "n"), CASE_IDS, ids=[f"{e}-{n}" for e, n in CASE_IDS])
def test_role_by_route_by_region(app, make_user, make_incident, role, endpoint, n):
    case = CASES[endpoint][n]
    places = _world(make_user, make_incident)
    user = _user(make_user, role)
    level = _level(role)
    variants = VARIANTS if case.target else (None,)
    for variant in variants:
        kecamatan, desa = HOME[level][variant or "own"]
        area = AREA[level][variant or "own"]
        before = _snapshot()
        response = _request(app, user, case, places[desa], area)
        ability_ok = case.ability == SIGNED_IN or allowed(role, case.ability, variant)
        where = f"{role} {case.method} {case.path} {variant}"
        if ability_ok:
            assert response.status_code in case.ok, (where, response.status_code)
        else:
            assert response.status_code == 403, (where, response.status_code)
            assert _snapshot() == before, f"{where}: refused but changed something"
        if case.listing and ability_ok:
            body = response.get_data(as_text=True)
            for other_variant in VARIANTS:
                shown = _listing(places[HOME[level][other_variant][1]], case.listing) in body
                assert shown == allowed(role, case.ability, other_variant), (where, other_variant)


@pytest.mark.parametrize("role", list(ROLES))
def test_unknown_objects_are_404_for_roles_that_may_act_on_them(app, make_user, role):
    user = _user(make_user, role)
    client = app.test_client()
    token = csrf_token(client, "/login")
    login(client, user.email)
    for endpoint, cases in CASES.items():
        for case in cases:
            ids = ("incident", "report", "photo_report", "resident", "merged", "official", "consultation", "number",
                   "local_agency", "member", "term", "dusun", "draft", "verified", "shown", "broadcast",
                   "shown_broadcast", "activity", "shelter", "need", "emergency", "proposal", "message")  # fmt: skip
            if not any("{" + part + "}" in case.path for part in ids):
                continue
            path = case.path.format(**dict.fromkeys(ids, 999999))
            if case.method == "get":
                status = client.get(path).status_code
            else:
                status = client.post(path, data={"csrf_token": token}).status_code
            expected = 404 if app.view_functions[endpoint].ability in ROLES[role].abilities else 403
            assert status == expected, (role, endpoint, path, status)


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(app):
    client = app.test_client()
    for endpoint, cases in CASES.items():
        for case in cases:
            path = case.path.format(incident=1, report=1, photo_report=1, resident=1, merged=1, official=1,
                                    consultation=1, area=WINONGAN, number=1, local_agency=1, member=1, term=1,
                                    dusun=1, draft=1, verified=1, shown=1, broadcast=1, proposal=1,
                                    shown_broadcast=1, activity=1, shelter=1, need=1, emergency=1,
                                    message=1)  # fmt: skip
            if case.method == "api":
                assert client.get(path).status_code == 401, endpoint
            elif case.method == "get":
                response = client.get(path)
                assert response.status_code == 302 and "/login" in response.location, endpoint
