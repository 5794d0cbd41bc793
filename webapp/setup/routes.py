from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import Forbidden, ability_required, fetch, role_of
from ..audit import record
from ..extensions import db, htmx
from ..messaging import gateway_health, sim_credit
from ..messaging.reach import agency_reach
from ..models import Agency, AgencyMember, AuditEntry, ReceivingNumber, SignIn, utcnow
from ..web.forms import ActionForm
from ..web.pagination import requested_page
from . import bp
from .forms import AgencyForm, MemberForm, NumberEditForm, NumberForm, ScopedAgencyForm
from .qr import settings_qr
from .service import (
    SetupError,
    add_agency,
    add_member,
    add_number,
    agencies_for,
    agency_areas,
    may_keep,
    numbers_for,
    remove_member,
    remove_number,
    rotate_key,
    set_agency_active,
    update_number,
)
from .settings import settings_for

PAGE_SIZE = 50
WEBHOOK_EVENTS = ("sms:received", "sms:sent", "sms:delivered", "sms:failed", "system:ping")


# --- Gateways ---------------------------------------------------------------------------------------------------


def _gateways_page(form=None, status=200):
    numbers = list(db.session.scalars(numbers_for(current_user).order_by(ReceivingNumber.kecamatan_code,
                                                                          ReceivingNumber.gateway,
                                                                          ReceivingNumber.address)))  # fmt: skip
    now = utcnow()
    rows = [(n, gateway_health.trouble(n, now), gateway_health.unsent(n)) for n in numbers]
    return render_template("setup/gateways.html", rows=rows, form=form or NumberForm(), now=now,
                           scoped=bool(role_of(current_user).levels)), status  # fmt: skip


@bp.get("/gateway")
@ability_required("gateway_status")
def gateways():
    return _gateways_page()


@bp.post("/gateway")
@ability_required("gateways")
def add_gateway():
    form = NumberForm()
    if not form.validate_on_submit():
        return _gateways_page(form, 422)
    kecamatan = current_user.region_code if role_of(current_user).levels else form.kecamatan.data
    try:
        number, key = add_number(current_user, form.gateway.data, form.address.data, kecamatan or "",
                                 form.label.data, form.phone.data)  # fmt: skip
    except Forbidden:
        abort(403)
    except SetupError as exc:
        db.session.rollback()
        form.address.errors.append(str(exc))
        return _gateways_page(form, 422)
    return _detail(number, key=key)


def _number(number_id: int, ability: str) -> ReceivingNumber:
    return fetch(ReceivingNumber, number_id, ability)


def webhook_url() -> str:
    """The address the Android app posts to: under ``PUBLIC_URL`` when set (as the phone reaches the server)."""
    public = current_app.config["PUBLIC_URL"]
    return public + url_for("webhooks.android") if public else url_for("webhooks.android", _external=True)


def _detail(number: ReceivingNumber, key: str | None = None, form=None, status=200):
    now = utcnow()
    qr = None
    if key:
        settings = {"url": webhook_url(), "signing_key": key, "events": list(WEBHOOK_EVENTS),
                    "ping_interval_seconds": _ping_seconds()}  # fmt: skip
        qr = settings_qr(settings)
    tests = gateway_health.recent_tests(number)
    return render_template("setup/gateway.html", number=number, key=key, qr=qr, tests=tests, now=now,
                           trouble=gateway_health.trouble(number, now), unsent=gateway_health.unsent(number),
                           form=form or NumberEditForm(obj=number), action_form=ActionForm(),
                           webhook_url=webhook_url(), events=WEBHOOK_EVENTS, ping_seconds=_ping_seconds(),
                           round_trip=gateway_health.round_trip,
                           operator_messages=sim_credit.recent(number)), status  # fmt: skip


def _ping_seconds() -> int:
    """The ping interval to set in the app: a third of the silence that counts as offline, at most 5 minutes."""
    return max(60, min(300, current_app.config["GATEWAY_SILENT_MINUTES"] * 20))


@bp.get("/gateway/<int:number_id>")
@ability_required("gateway_status")
def gateway(number_id: int):
    return _detail(_number(number_id, "gateway_status"))


@bp.post("/gateway/<int:number_id>")
@ability_required("gateways")
def edit_gateway(number_id: int):
    number = _number(number_id, "gateways")
    form = NumberEditForm()
    if not form.validate_on_submit():
        return _detail(number, form=form, status=422)
    try:
        update_number(current_user, number, form.label.data, form.phone.data, form.send_per_minute.data)
    except SetupError as exc:
        db.session.rollback()
        form.phone.errors.append(str(exc))
        return _detail(number, form=form, status=422)
    flash(_("Tersimpan."))
    return redirect(url_for("setup.gateway", number_id=number.id), code=303)


@bp.post("/gateway/<int:number_id>/kunci")
@ability_required("gateways")
def new_key(number_id: int):
    number = _number(number_id, "gateways")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        key = rotate_key(current_user, number)
    except SetupError:
        abort(400)
    return _detail(number, key=key)  # shown this once; only the server keeps it


@bp.post("/gateway/<int:number_id>/uji")
@ability_required("gateways")
def test_sms(number_id: int):
    number = _number(number_id, "gateways")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        test, new = gateway_health.request_test(number, current_user)
    except gateway_health.GatewayError as exc:
        if htmx:
            return _tests(number, notice=str(exc)), 422
        flash(str(exc), "error")
        return redirect(url_for("setup.gateway", number_id=number.id), code=303)
    notice = None
    if new:
        record(current_user, "gateway_test", f"android {number.address}", number.kecamatan_code, token=test.token)
        db.session.commit()
    else:
        notice = _("SMS uji sebelumnya belum kembali; tidak dikirim lagi.")
    if htmx:
        return _tests(number, notice=notice)
    if notice:
        flash(notice)
    return redirect(url_for("setup.gateway", number_id=number.id), code=303)


def _tests(number: ReceivingNumber, notice: str | None = None):
    now = utcnow()
    return render_template("setup/_tests.html", number=number, tests=gateway_health.recent_tests(number),
                           round_trip=gateway_health.round_trip, now=now, notice=notice,
                           trouble=gateway_health.trouble(number, now))  # fmt: skip


@bp.get("/gateway/<int:number_id>/uji")
@ability_required("gateway_status")
def tests(number_id: int):
    """The test SMS of a number, for the page to refresh while one is on its way."""
    return _tests(_number(number_id, "gateway_status"))


@bp.post("/gateway/<int:number_id>/hapus")
@ability_required("gateways")
def remove_gateway(number_id: int):
    number = _number(number_id, "gateways")
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_number(current_user, number)
    flash(_("%(name)s dihapus: pesan ke sana ditolak sampai dipasang lagi.", name=number.name))
    return redirect(url_for("setup.gateways"), code=303)


# --- Agencies ---------------------------------------------------------------------------------------------------


def _agency_form():
    if not role_of(current_user).levels:
        return AgencyForm()
    form = ScopedAgencyForm()
    form.area.choices = [(r.code, r.label) for r in agency_areas(current_user)]
    return form


def _agencies_page(form=None, member_form=None, status=200):
    agencies = agencies_for(current_user)
    return render_template("setup/agencies.html", agencies=agencies, reach=agency_reach(agencies),
                           form=form or _agency_form(), member_form=member_form or MemberForm(),
                           action_form=ActionForm()), status  # fmt: skip


@bp.get("/instansi")
@ability_required("agencies")
def agencies():
    return _agencies_page()


@bp.post("/instansi")
@ability_required("agencies")
def add_agency_view():
    form = _agency_form()
    if isinstance(form, ScopedAgencyForm) and request.form.get("area") not in dict(form.area.choices):
        abort(403)  # a region outside the user's, forced into the form: refused outright
    if not form.validate_on_submit():
        return _agencies_page(form, status=422)
    try:
        agency = add_agency(current_user, form.name.data, form.area.data)
    except Forbidden:
        abort(403)
    except SetupError as exc:
        db.session.rollback()
        form.name.errors.append(str(exc))
        return _agencies_page(form, status=422)
    flash(_("%(name)s aktif.", name=agency.name))
    return redirect(url_for("setup.agencies"), code=303)


def _agency(agency_id: int) -> Agency:
    return fetch(Agency, agency_id, may=may_keep)


@bp.post("/instansi/<int:agency_id>/aktif")
@ability_required("agencies")
def toggle_agency(agency_id: int):
    agency = _agency(agency_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    set_agency_active(current_user, agency, not agency.active)
    flash(_("%(name)s aktif.", name=agency.name) if agency.active else _("%(name)s tidak ditawarkan lagi untuk "
          "penyerahan; insiden yang sudah diserahkan tetap.", name=agency.name))  # fmt: skip
    return redirect(url_for("setup.agencies"), code=303)


@bp.post("/instansi/<int:agency_id>/petugas")
@ability_required("agencies")
def add_member_view(agency_id: int):
    agency = _agency(agency_id)
    form = MemberForm()
    if not form.validate_on_submit():
        return _agencies_page(member_form=form, status=422)
    try:
        add_member(current_user, agency, form.name.data, form.phone.data, form.channel.data)
    except SetupError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _agencies_page(member_form=form, status=422)
    flash(_("%(name)s akan menerima SMS penyerahan %(agency)s.", name=form.name.data, agency=agency.name))
    return redirect(url_for("setup.agencies"), code=303)


@bp.post("/instansi/petugas/<int:member_id>/hapus")
@ability_required("agencies")
def remove_member_view(member_id: int):
    member = fetch(AgencyMember, member_id)
    _agency(member.agency_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_member(current_user, member)
    flash(_("%(name)s tidak lagi menerima SMS penyerahan.", name=member.name))
    return redirect(url_for("setup.agencies"), code=303)


# --- Admins: sign-ins and the audit log -------------------------------------------------------------------------


@bp.get("/masuk")
@ability_required("audit")
def sign_ins():
    pagination = db.paginate(select(SignIn).order_by(SignIn.id.desc()), page=requested_page(), per_page=PAGE_SIZE,
                             error_out=False, count=True)  # fmt: skip
    return render_template("setup/sign_ins.html", pagination=pagination)


@bp.get("/audit")
@ability_required("audit")
def audit():
    pagination = db.paginate(select(AuditEntry).order_by(AuditEntry.id.desc()), page=requested_page(),
                             per_page=PAGE_SIZE, error_out=False, count=True)  # fmt: skip
    return render_template("setup/audit.html", pagination=pagination)


# --- The settings page ------------------------------------------------------------------------------------------


@bp.get("")
@ability_required("settings")
def index():
    """Every setting the user may change, each with a line saying what it is."""
    return render_template("setup/index.html", settings=settings_for(current_user))
