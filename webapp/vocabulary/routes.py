from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sms.lexicon import LANGUAGES

from ..access import Forbidden, ability_required, desa_in_reach, fetch, role_of, scope
from ..extensions import db
from ..models import Dusun, LearnedTerm, Region, Report
from ..web.forms import ActionForm
from . import bp
from .service import (
    VocabularyError,
    add_dusun,
    forget,
    import_dusun,
    languages_of,
    remove_dusun,
    set_languages,
    teach,
)


def _own_kecamatan() -> Region | None:
    """The kecamatan whose languages the page offers to set: a kecamatan's staff's own; an admin's by
    ``?kecamatan=<code>``."""
    if role_of(current_user).levels == ("kecamatan",):
        return db.session.get(Region, current_user.region_code)
    code = request.args.get("kecamatan", "").strip()
    region = db.session.get(Region, code) if code else None
    return region if region is not None and region.level == "kecamatan" else None


@bp.get("/kosakata")
@ability_required("vocabulary")
def index():
    terms = db.session.scalars(
        select(LearnedTerm).where(scope(current_user, LearnedTerm, "vocabulary")).order_by(LearnedTerm.kind,
                                                                                            LearnedTerm.phrase)
    ).all()  # fmt: skip
    desa = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(
        [t.value for t in terms if t.kind == "desa"])))}  # fmt: skip
    kecamatan = _own_kecamatan()
    return render_template("vocabulary/index.html", terms=terms, desa=desa, kecamatan=kecamatan,
                           chosen=languages_of(kecamatan) if kecamatan else [], LANGUAGE_NAMES=LANGUAGES,
                           action_form=ActionForm())  # fmt: skip


@bp.post("/kosakata")
@ability_required("vocabulary")
def teach_view():
    if not ActionForm().validate_on_submit():
        abort(400)
    report_id = request.form.get("report_id", "")
    if not report_id.isascii() or not report_id.isdigit():
        abort(400)
    try:
        term = teach(current_user, request.form.get("kind", ""), request.form.get("phrase", ""),
                     request.form.get("value", ""), int(report_id))  # fmt: skip
    except Forbidden:
        abort(403)
    except VocabularyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("vocabulary.index"), code=303)
    flash(_("Diingat: “%(phrase)s”. Pesan berikutnya dari kecamatan ini langsung terbaca.", phrase=term.phrase))
    report = db.session.get(Report, term.report_id) if term.report_id else None
    if report is not None and report.incident_id:
        return redirect(url_for("incidents.detail", incident_id=report.incident_id), code=303)
    return redirect(url_for("vocabulary.index"), code=303)


@bp.post("/kosakata/<int:term_id>/hapus")
@ability_required("vocabulary")
def forget_view(term_id: int):
    term = fetch(LearnedTerm, term_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        forget(current_user, term)
    except Forbidden:
        abort(403)
    flash(_("“%(phrase)s” dilupakan.", phrase=term.phrase))
    return redirect(url_for("vocabulary.index"), code=303)


@bp.post("/kosakata/bahasa")
@ability_required("vocabulary")
def languages():
    kecamatan = db.session.get(Region, request.form.get("kecamatan", "").strip())
    if kecamatan is None or kecamatan.level != "kecamatan":
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        set_languages(current_user, kecamatan, request.form.getlist("language"))
    except Forbidden:
        abort(403)
    flash(_("Bahasa warga disimpan."))
    return redirect(url_for("vocabulary.index"), code=303)


def _dusun_page(status=200, errors=None):
    desa = desa_in_reach(current_user, "dusun")
    rows = db.session.scalars(
        select(Dusun).where(Dusun.desa_code.in_([d.code for d in desa])).order_by(Dusun.desa_code, Dusun.name)
    ).all()
    return render_template("vocabulary/dusun.html", desa=desa, rows=rows, errors=errors or [],
                           action_form=ActionForm()), status  # fmt: skip


@bp.get("/dusun")
@ability_required("dusun")
def dusun():
    return _dusun_page()


@bp.post("/dusun")
@ability_required("dusun")
def add_dusun_view():
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        found = add_dusun(current_user, request.form.get("desa", ""), request.form.get("name", ""),
                          request.form.get("aliases", ""))  # fmt: skip
        db.session.commit()
    except Forbidden:
        abort(403)
    except VocabularyError as exc:
        db.session.rollback()
        return _dusun_page(422, [str(exc)])
    flash(_("Dusun %(name)s disimpan.", name=found.name))
    return redirect(url_for("vocabulary.dusun"), code=303)


@bp.post("/dusun/impor")
@ability_required("dusun")
def import_dusun_view():
    if not ActionForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _dusun_page(422, [_("Pilih berkas CSV.")])
    try:
        result = import_dusun(current_user, upload.read(256 * 1024 + 1)[: 256 * 1024])
    except VocabularyError as exc:
        return _dusun_page(422, [str(exc)])
    if result.errors:
        return _dusun_page(422, [_("Tidak ada yang disimpan."), *result.errors])
    flash(_("%(num)d dusun disimpan.", num=result.added))
    return redirect(url_for("vocabulary.dusun"), code=303)


@bp.post("/dusun/<int:dusun_id>/hapus")
@ability_required("dusun")
def remove_dusun_view(dusun_id: int):
    found = fetch(Dusun, dusun_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        remove_dusun(current_user, found)
    except Forbidden:
        abort(403)
    flash(_("Dusun %(name)s dihapus.", name=found.name))
    return redirect(url_for("vocabulary.dusun"), code=303)
