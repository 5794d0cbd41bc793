"""Template helpers: labels from the domain vocabulary and times in the region's own time zone."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from sms.gsm import GSM7_BASIC, GSM7_EXTENDED, fits_one_segment
from sms.phone import mask_phone

from .access import can
from .auth.forms import LogoutForm
from .incidents.service import new_count
from .messaging.gateway_health import outbound_stalled_for, troubles_for
from .regions.gazetteer import ZONES, zone_for
from .warnings.service import waiting_for
from .web.labels import (
    AUDIT_LABELS,
    CAP_LABELS,
    COUNT_LABELS,
    DAMAGE_LABELS,
    DESTANA_LABELS,
    DRAFT_STATE_LABELS,
    EMERGENCY_LABELS,
    FACILITY_LABELS,
    HANDOVER_NEXT,
    HANDOVER_STAGE_LABELS,
    HAZARD_LABELS,
    LANGUAGES,
    NEED_ITEM_LABELS,
    NEED_LABELS,
    PREPAREDNESS_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    SITUATION_LABELS,
    STATUS_LABELS,
    VULNERABLE_LABELS,
)


def local_time(moment: datetime | None, region_code: str | None = None) -> str:
    """``22-11-2026 14:05 WITA``: a UTC time shown in the clock of the region it happened in."""
    if moment is None:
        return ""
    zone = zone_for(region_code)
    return moment.astimezone(ZONES[zone]).strftime("%d-%m-%Y %H:%M ") + zone


def duration(hours: float | None) -> str:
    """A response time as people say it: ``45 mnt``, ``5,5 jam``, ``3,2 hari``; ``belum ada`` when there is none."""
    if hours is None:
        return _("belum ada")
    if hours < 1:
        return _("%(num)d mnt", num=round(hours * 60))
    if hours < 48:
        return _("%(num)s jam", num=format_decimal(round(hours, 1)))
    return _("%(num)s hari", num=format_decimal(round(hours / 24, 1)))


def waited(moment: datetime | None, now: datetime) -> str:
    """How long ago ``moment`` was, as people say it: ``20 mnt``, ``3 jam``, ``2,5 hari``."""
    if moment is None:
        return _("belum ada")
    return duration(max((now - moment).total_seconds(), 0) / 3600)


def share(part: float | None) -> str:
    """``83 %``, or ``belum ada`` when there is nothing to divide."""
    return _("belum ada") if part is None else format_percent(part)


def rupiah(amount: int | None) -> str:
    """``Rp 12.600``: rupiah with the Indonesian thousands separator."""
    return "Rp " + f"{amount or 0:,}".replace(",", ".")


def _taken(data: dict) -> str:
    """What a merge took from the other incident, in words: status, severity, hazard, desa, counts, agencies."""
    parts = []
    for name, (_old, new) in (data.get("taken") or {}).items():
        if name == "status":
            parts.append(_("status %(status)s", status=STATUS_LABELS.get(new, new)))
        elif name == "severity":
            parts.append(_("keparahan %(level)s", level=SEVERITY_LABELS.get(new, new)))
        elif name == "hazard":
            parts.append(str(HAZARD_LABELS.get(new, new)))
        elif name == "desa_code":
            parts.append(_("desa"))
        else:
            parts.append(f"{COUNT_LABELS.get(name, name)} {new}")
    parts += [_("instansi %(agency)s", agency=agency) for agency in data.get("agencies") or []]
    return ", ".join(str(p) for p in parts)


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
        if data.get("withdrawn"):
            return _("Penyerahan ke %(agency)s ditarik", agency=agency)
        return _("Ditugaskan ke %(agency)s", agency=agency) if agency else _("Penugasan instansi dihapus")
    if kind == "severity":
        return _("Keparahan: %(level)s", level=SEVERITY_LABELS.get(data.get("new"), _("belum dinilai")))
    if kind == "counts":
        return _("Jumlah korban dan kerusakan dikoreksi")
    if kind == "publish":
        return _("dipublikasikan untuk warga") + (f": {data['summary']}" if data.get("summary") else "")
    if kind == "unpublish":
        return _("ditarik dari halaman publik")
    if kind == "note":
        return _("Catatan")
    if kind == "sms":
        return _("SMS diantrekan untuk %(num)s pelapor", num=data.get("recipients", 0))
    if kind == "merge":
        return _("Digabung ke %(ticket)s (%(num)s laporan dipindah)", ticket=data.get("into"), num=data.get("reports"))
    if kind == "merge_in":
        line = _("Menerima %(num)s laporan dari %(ticket)s", num=data.get("reports"), ticket=data.get("source"))
        taken = _taken(data)
        return _("%(line)s; mengambil %(taken)s", line=line, taken=taken) if taken else line
    if kind == "unmerge":
        return _("Penggabungan ke %(ticket)s dibatalkan (%(num)s laporan kembali)", ticket=data.get("source"),
                 num=data.get("reports"))  # fmt: skip
    if kind == "unmerge_out":
        return _("Penggabungan %(ticket)s dibatalkan (%(num)s laporan dikembalikan)", ticket=data.get("into"),
                 num=data.get("reports"))  # fmt: skip
    if kind == "handover":
        stage = {"terima": _("menerima"), "tangani": _("tiba di lokasi"), "selesai": _("menyelesaikan")}.get(
            data.get("stage"), data.get("stage")
        )
        return _("%(agency)s %(stage)s (%(member)s, lewat %(via)s)", agency=data.get("agency"), stage=stage,
                 member=data.get("member") or "?", via="SMS" if data.get("via") == "sms" else "web")  # fmt: skip
    if kind == "handover_late":
        return _("%(agency)s belum menerima setelah %(num)s menit: petugas diberi tahu", agency=data.get("agency"),
                 num=data.get("minutes"))  # fmt: skip
    if kind == "escalated":
        return _("Belum diverifikasi setelah %(num)s menit: petugas diberi tahu", num=data.get("minutes"))
    if kind == "split":
        return _("Laporan #%(id)s dipisah ke %(ticket)s", id=data.get("report"), ticket=data.get("into"))
    if kind == "split_from":
        return _("Dipisah dari %(ticket)s", ticket=data.get("source"))
    if kind == "answered":
        what = _("desa") if data.get("question") == "desa" else _("jenis kejadian")
        return _("Pelapor menjawab pertanyaan %(what)s lewat laporan #%(id)s", what=what, id=event.report_id)
    if kind == "classified":
        return _("Jenis dan desa ditetapkan petugas")
    if kind == "reveal":
        return _("Nomor pelapor laporan #%(id)s dibuka", id=data.get("report"))
    return kind


def init_app(app):
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["share"] = share
    app.jinja_env.filters["waited"] = waited
    app.jinja_env.filters["fits_one_sms"] = lambda text: fits_one_segment(" ".join(text.split()))
    app.jinja_env.filters["describe_event"] = describe_event
    app.jinja_env.filters["need_label"] = lambda slug: NEED_LABELS.get(slug, slug)
    app.jinja_env.filters["cap_label"] = lambda value: CAP_LABELS.get(value, value) if value else ""
    app.jinja_env.globals.update(
        HAZARDS=HAZARD_LABELS,
        COUNT_LABELS=COUNT_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        SEVERITIES=SEVERITY_LABELS,
        HANDOVER_STAGES=HANDOVER_STAGE_LABELS,
        HANDOVER_NEXT=HANDOVER_NEXT,
        ROLE_LABELS=ROLE_LABELS,
        AUDIT_LABELS=AUDIT_LABELS,
        DRAFT_STATES=DRAFT_STATE_LABELS,
        DESTANA=DESTANA_LABELS,
        PREPAREDNESS=PREPAREDNESS_LABELS,
        EMERGENCY=EMERGENCY_LABELS,
        FACILITIES=FACILITY_LABELS,
        NEED_ITEMS=NEED_ITEM_LABELS,
        SITUATION=SITUATION_LABELS,
        VULNERABLE=VULNERABLE_LABELS,
        DAMAGE=DAMAGE_LABELS,
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        can=lambda ability, target=None: can(current_user, ability, target),
        # The GSM-7 alphabet for the pages' SMS counters (line breaks and escapes left out: the text is folded).
        GSM7_BASIC="".join(sorted(GSM7_BASIC - set("\n\r\x1b"))),
        GSM7_EXTENDED="".join(sorted(GSM7_EXTENDED - set("\f"))),
    )

    @app.context_processor
    def _forms():
        # formdata=None: the menu's form never reads the request (which may be JSON, or not a form at all)
        return {"logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None}

    @app.context_processor
    def _gateway_troubles():
        """Offline SMS gateways of the user's kecamatan, and messages no worker sends: the strip on staff pages."""
        if not current_user.is_authenticated or not can(current_user, "gateway_status"):
            return {"gateway_troubles": [], "outbound_stalled": None}
        return {"gateway_troubles": troubles_for(current_user), "outbound_stalled": outbound_stalled_for(current_user)}

    @app.context_processor
    def _waiting_warnings():
        """BMKG warnings' drafts the user may send and nobody has yet: the banner on their pages."""
        if not current_user.is_authenticated or not can(current_user, "warn"):
            return {"waiting_warnings": []}
        return {"waiting_warnings": waiting_for(current_user)}

    @app.context_processor
    def _new_items():
        """Incidents with something new since the user last opened the list: shown in the title and the menu."""
        if not current_user.is_authenticated or not can(current_user, "incidents"):
            return {"new_items": 0}
        return {"new_items": new_count(current_user)}
