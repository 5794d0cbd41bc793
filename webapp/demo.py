"""The demo that ``make run`` loads: the regions of Kabupaten Pasuruan and Balangan, receiving numbers, sample
villagers' SMS through the real intake door, residents, accounts for every role, a web report and a shelter.
Loading it again changes nothing that is already there (it resets the demo accounts' passwords)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from .accounts import create_user, find_user
from .extensions import db
from .intake.ingest import InboundMessage, ingest
from .models import Agency, AgencyMember, Region, Shelter
from .regions.gazetteer import load_kabupaten
from .relief.service import open_shelter
from .setup.service import add_number

DEMO_KABUPATEN = ["35.14", "63.11"]  # Kabupaten Pasuruan and Kabupaten Balangan
DEMO_PASSWORD = "tangguh-demo"
# Approximate centres of the demo kecamatan (for BMKG polygons and earthquake radii); set real ones with
# `flask regions position`.
DEMO_POSITIONS = {"35.14.19": (-7.745, 112.905), "35.14.23": (-7.680, 112.960), "63.11.05": (-2.390, 115.400)}
# Demo receiving numbers (Twilio) per kecamatan, for `flask sms simulate --to …`.
DEMO_NUMBERS = [("+6281100351419", "35.14.19"), ("+6281100351423", "35.14.23"), ("+6281100631105", "63.11.05")]
# (email, name, role, kecamatan code, desa name or None)
DEMO_ACCOUNTS = [
    ("admin@tangguh.test", "Admin Tangguh", "admin", None, None),
    ("kec.winongan@tangguh.test", "Staf Kecamatan Winongan", "kecamatan_staff", "35.14.19", None),
    ("kec.rejoso@tangguh.test", "Staf Kecamatan Rejoso", "kecamatan_staff", "35.14.23", None),
    ("kec.lampihong@tangguh.test", "Staf Kecamatan Lampihong", "kecamatan_staff", "63.11.05", None),
    ("desa.sumberrejo@tangguh.test", "Perangkat Desa Sumberrejo", "desa_official", "35.14.19", "Sumberrejo"),
    ("desa.patuguran@tangguh.test", "Perangkat Desa Patuguran", "desa_official", "35.14.23", "Patuguran"),
    ("desa.lajar@tangguh.test", "Perangkat Desa Lajar", "desa_official", "63.11.05", "Lajar"),
    ("bpbd.pasuruan@tangguh.test", "Pusdalops BPBD Pasuruan", "kabupaten_staff", "35.14", None),
    ("damkar.pasuruan@tangguh.test", "Regu Damkar Pasuruan", "agency", "35.14", None),
]
DEMO_AGENCY = ("Damkar", "35.14", "damkar.pasuruan@tangguh.test", "+6281230000020")  # covers Pasuruan

# Sample villagers' SMS for the demo, sent through the real intake door (their ids make it idempotent).
DEMO_MESSAGES = [
    ("35.14.19", "+6281230000001", "banjir di sumberejo 12 rmh terendam, air 50cm"),
    ("35.14.19", "+6281230000002", "banjir lagi ds sumber rejo 20 rumah terendam, 15 kk ngungsi ke balai desa"),
    ("35.14.19", "+6281230000003", "longsor ds gading, 2 rumah rusak berat, 1 org luka"),
    ("35.14.19", "+6281230000004", "banjir di winongan"),
    ("35.14.23", "+6281230000005", "rob masuk ke desa patuguran, 40 rumah terendam"),
    ("35.14.23", "+6281230000006", "pak tolong kami"),
    ("63.11.05", "+6281230000007", "banjir di lajar, rumah tarandam 25 buah"),
    ("63.11.05", "+6281230000008", "kebakaran lahan di kusambi hulu kurang lebih 5 ha"),
    # Residents who registered for broadcasts, and one who then opted out.
    ("35.14.19", "+6281230000011", "DAFTAR Siti Aminah Sumberrejo"),
    ("35.14.19", "+6281230000012", "DAFTAR Pak Darmo Sumberrejo"),
    ("35.14.19", "+6281230000013", "DAFTAR Bu Lilik Gading"),
    ("35.14.19", "+6281230000012", "BERHENTI"),
    ("35.14.23", "+6281230000014", "DAFTAR Yanto Patuguran"),
    ("63.11.05", "+6281230000015", "DAFTAR Acil Masnah Lajar"),
]


def load_demo(say: Callable[[str], None]) -> None:
    """Load the demo (see the module's docstring), telling ``say`` what it did, line by line; commits."""
    result = load_kabupaten(DEMO_KABUPATEN)
    say(f"regions 35.14 Pasuruan, 63.11 Balangan: {result.added} added, {result.unchanged} unchanged")
    for number, kecamatan in DEMO_NUMBERS:
        add_number(None, "twilio", number, kecamatan)
    for code, (latitude, longitude) in DEMO_POSITIONS.items():
        region = db.session.get(Region, code)
        if region.latitude is None:
            region.latitude, region.longitude = latitude, longitude
    db.session.commit()
    new = sum(
        not ingest(InboundMessage("sms", f"demo-{i}", text, kecamatan, phone)).duplicate
        for i, (kecamatan, phone, text) in enumerate(DEMO_MESSAGES, start=1)
    )
    say(f"demo reports: {new} new, {len(DEMO_MESSAGES) - new} already there")
    say(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, role, kecamatan, desa_name in DEMO_ACCOUNTS:
        region_code = kecamatan
        if desa_name:
            region_code = db.session.scalar(
                select(Region.code).where(Region.parent_code == kecamatan, Region.name == desa_name)
            )
        user = find_user(email)
        if user is None:
            agency = _demo_agency() if role == "agency" else None
            user = create_user(email, name, role, DEMO_PASSWORD, region_code, agency_id=agency.id if agency else None)
            if agency:
                db.session.add(AgencyMember(agency=agency, name=name, phone=DEMO_AGENCY[3], user_id=user.id))
                db.session.commit()
        else:
            user.set_password(DEMO_PASSWORD)
            db.session.commit()
        region = db.session.get(Region, region_code) if region_code else None
        say(f"  {email:32} {role:16} {region.label if region else 'semua wilayah'}")
    _demo_web_report()
    _demo_shelter(say)
    say('\nDemo receiving numbers (try: flask sms simulate --from 081234567890 --to NUMBER "banjir di ..."):')
    for number, kecamatan in DEMO_NUMBERS:
        say(f"  {number}  Kecamatan {db.session.get(Region, kecamatan).name}")


def _demo_agency() -> Agency:
    """Damkar covering Kabupaten Pasuruan: its member's phone gets the handovers of Winongan and Rejoso."""
    agency = db.session.scalar(select(Agency).where(func.lower(Agency.name) == DEMO_AGENCY[0].lower()))
    agency.region_code = DEMO_AGENCY[1]
    return agency


def _demo_shelter(say: Callable[[str], None]) -> None:
    """A shelter in Sumberrejo whose coordinator texts POSKO counts (flask sms simulate --from 081230000030 …)."""
    if db.session.scalar(select(Shelter.id).where(Shelter.name == "Balai Desa Sumberrejo")) is None:
        staff = find_user("kec.winongan@tangguh.test")
        desa = db.session.scalar(select(Region).where(Region.parent_code == "35.14.19", Region.name == "Sumberrejo"))
        open_shelter(staff, desa, "Balai Desa Sumberrejo", 150, "+6281230000030")
        db.session.commit()
    shelter = db.session.scalar(select(Shelter).where(Shelter.name == "Balai Desa Sumberrejo"))
    say(f"\nDemo shelter {shelter.name}: its coordinator (081230000030) texts POSKO {shelter.code} 120 jiwa 35 kk")


def _demo_web_report() -> None:
    """The Sumberrejo official's own report from the web form, with a GPS position: their home and the map
    have something to show."""
    official = find_user("desa.sumberrejo@tangguh.test")
    ingest(InboundMessage("web", f"u{official.id}:demo-web-1", "Tanggul Kali Rejoso retak 3 meter, air mulai rembes",
                          "35.14.19", submitted_by_id=official.id, hazard="banjir", desa_code=official.region_code,
                          latitude=-7.7421, longitude=112.9163, details={"needs": ["evakuasi"]}))  # fmt: skip
