"""Template helpers: labels from the domain vocabulary and times in the region's own time zone."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from sms.phone import mask_phone

from .access import can
from .auth.forms import LogoutForm
from .labels import COUNT_LABELS, HAZARD_LABELS, LANGUAGES, NEED_LABELS, SEVERITY_LABELS, STATUS_LABELS
from .regions import ZONES, zone_for


def local_time(moment: datetime | None, region_code: str | None = None) -> str:
    """``22-11-2026 14:05 WITA``: a UTC time shown in the clock of the region it happened in."""
    if moment is None:
        return ""
    zone = zone_for(region_code)
    return moment.astimezone(ZONES[zone]).strftime("%d-%m-%Y %H:%M ") + zone


def duration(hours: float | None) -> str:
    """A response time as people say it: ``45 mnt``, ``5,5 jam``, ``3,2 hari``; a dash when there is none."""
    if hours is None:
        return "–"
    if hours < 1:
        return _("%(num)d mnt", num=round(hours * 60))
    if hours < 48:
        return _("%(num)s jam", num=format_decimal(round(hours, 1)))
    return _("%(num)s hari", num=format_decimal(round(hours / 24, 1)))


def share(part: float | None) -> str:
    """``83 %``, or a dash when there is nothing to divide."""
    return "–" if part is None else format_percent(part)


def rupiah(amount: int | None) -> str:
    """``Rp 12.600``: rupiah with the Indonesian thousands separator."""
    return "Rp " + f"{amount or 0:,}".replace(",", ".")


def describe_event(event) -> str:
    """One timeline line in Bahasa Indonesia for an incident event."""
    data = event.data or {}
    kind = event.kind
    if kind == "opened":
        return _("Insiden dibuka dari laporan #%(id)s", id=event.report_id)
    if kind == "report":
        return _("Laporan #%(id)s masuk", id=event.report_id)
    if kind == "status":
        old, new = STATUS_LABELS.get(data.get("old"), "?"), STATUS_LABELS.get(data.get("new"), "?")
        return _("Status: %(old)s → %(new)s", old=old, new=new)
    if kind == "agency":
        agency = data.get("agency")
        return _("Ditugaskan ke %(agency)s", agency=agency) if agency else _("Penugasan instansi dihapus")
    if kind == "severity":
        return _("Keparahan: %(level)s", level=SEVERITY_LABELS.get(data.get("new"), _("belum dinilai")))
    if kind == "counts":
        return _("Jumlah korban dan kerusakan dikoreksi")
    if kind == "note":
        return _("Catatan")
    if kind == "sms":
        return _("SMS diantrekan untuk %(num)s pelapor", num=data.get("recipients", 0))
    if kind == "merge":
        return _("Digabung ke %(ticket)s (%(num)s laporan dipindah)", ticket=data.get("into"), num=data.get("reports"))
    if kind == "merge_in":
        return _("Menerima %(num)s laporan dari %(ticket)s", num=data.get("reports"), ticket=data.get("source"))
    if kind == "split":
        return _("Laporan #%(id)s dipisah ke %(ticket)s", id=data.get("report"), ticket=data.get("into"))
    if kind == "split_from":
        return _("Dipisah dari %(ticket)s", ticket=data.get("source"))
    if kind == "reveal":
        return _("Nomor pelapor laporan #%(id)s dibuka", id=data.get("report"))
    return kind


def init_app(app):
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["share"] = share
    app.jinja_env.filters["describe_event"] = describe_event
    app.jinja_env.filters["need_label"] = lambda slug: NEED_LABELS.get(slug, slug)
    app.jinja_env.globals.update(
        HAZARDS=HAZARD_LABELS,
        COUNT_LABELS=COUNT_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        SEVERITIES=SEVERITY_LABELS,
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        can=lambda ability, target=None: can(current_user, ability, target),
    )

    @app.context_processor
    def _forms():
        return {"logout_form": LogoutForm() if current_user.is_authenticated else None}
