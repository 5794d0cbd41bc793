from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..access import Forbidden, ability_required, desa_for_form, fetch
from ..extensions import db
from ..models import Reporter
from ..web.pagination import requested_page
from . import bp
from .forms import ImportForm, RemoveForm, ResidentForm
from .service import ResidentError, import_csv, register, resident_counts, residents_of, unregister

PAGE_SIZE = 50


def _desa() -> list:
    """The desa the user keeps residents of (403 for none, or for a form naming a desa outside them)."""
    try:
        return desa_for_form(current_user, "residents", request.form.getlist("desa"))
    except Forbidden:
        abort(403)


def _page(desa, form=None, import_form=None, import_report=None, status=200):
    codes = [d.code for d in desa]
    chosen = request.args.get("desa", "")
    search = request.args.get("q", "")
    query = residents_of([chosen] if chosen in codes else codes, search)
    pagination = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE,
                             error_out=False, count=True)  # fmt: skip
    if form is None:
        form = ResidentForm()
        form.desa.choices = [SelectChoice(d.code, d.name) for d in desa]
    total, opted_out = resident_counts(codes)
    return render_template(
        "residents/index.html",
        desa=desa,
        chosen=chosen if chosen in codes else "",
        search=search,
        pagination=pagination,
        total=total,
        opted_out=opted_out,
        form=form,
        import_form=import_form or ImportForm(),
        import_report=import_report,
        remove_form=RemoveForm(),
    ), status


@bp.get("/residents")
@ability_required("residents")
def index():
    return _page(_desa())


@bp.post("/residents")
@ability_required("residents")
def add():
    desa = _desa()
    form = ResidentForm()
    form.desa.choices = [SelectChoice(d.code, d.name) for d in desa]
    if form.validate_on_submit():
        try:
            resident, outcome = register(current_user, form.name.data, form.phone.data, form.desa.data)
        except ResidentError as exc:
            form.phone.errors = [*form.phone.errors, str(exc)]
        else:
            db.session.commit()
            message = {
                "added": _("%(name)s terdaftar sebagai warga."),
                "updated": _("Data %(name)s diperbarui."),
                "unchanged": _("%(name)s sudah terdaftar."),
            }[outcome]
            flash(message % {"name": resident.name})
            if resident.opted_out:
                flash(_("Nomor ini pernah mengirim BERHENTI: tidak akan menerima siaran sampai warga mengirim MULAI."))
            return redirect(url_for("residents.index"), code=303)
    return _page(desa, form=form, status=422)


@bp.post("/residents/import")
@ability_required("residents")
def import_file():
    desa = _desa()
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(desa, import_form=form, status=422)
    try:
        report = import_csv(current_user, form.file.data.read())
    except ResidentError as exc:
        db.session.rollback()
        form.file.errors = [str(exc)]
        return _page(desa, import_form=form, status=422)
    db.session.commit()
    return _page(desa, import_report=report)


@bp.post("/residents/<int:resident_id>/remove")
@ability_required("residents")
def remove(resident_id: int):
    _desa()
    resident = fetch(Reporter, resident_id)
    if not RemoveForm().validate_on_submit():
        abort(400)
    try:
        unregister(current_user, resident)
    except ResidentError:
        abort(403)
    db.session.commit()
    flash(_("%(name)s dihapus dari daftar warga.", name=resident.name or resident.phone))
    return redirect(url_for("residents.index"), code=303)
