"""How times, durations, shares, money and timeline events read on a page, in Bahasa Indonesia and in the
clock of the region where they happened."""

from __future__ import annotations

from datetime import datetime

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from sms.vocab import COUNT_FIELDS

from ..regions.gazetteer import ZONES, zone_for
from .labels import (
    COUNT_LABELS,
    HAZARD_LABELS,
    NEED_ITEM_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
)


def local_time(moment: datetime | None, region_code: str | None = None) -> str:
    """``22-11-2026 14:05 WITA``: a UTC time shown in the clock of the region it happened in."""
    if moment is None:
        return ""
    zone = zone_for(region_code)
    return moment.astimezone(ZONES[zone]).strftime("%d-%m-%Y %H:%M ") + zone


def figure(value: int | None) -> str:
    """A count as a page prints it: ``–`` when nobody gave it (the page's legend says "belum ada data"), so that
    unknown never reads as 0."""
    if value is None:
        return "–"
    # Below a thousand no locale Tangguh speaks groups digits: skip Babel (a list page prints a hundred of these)
    return str(value) if isinstance(value, int) and 0 <= value < 1000 else format_decimal(value)


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


_ORDER = {name: n for n, name in enumerate(COUNT_FIELDS)}


def _figures(new: dict, old: dict) -> str:
    """``10 meninggal (sebelumnya 3)``: figures beside the ones they would replace."""
    parts = []
    for name, value in sorted(new.items(), key=lambda item: _ORDER.get(item[0], 99)):  # JSONB keeps no order
        what = str(COUNT_LABELS.get(name, name)).lower()
        parts.append(_("%(value)s %(what)s (sebelumnya %(old)s)", value=figure(value), what=what,
                       old=figure(old.get(name))))  # fmt: skip
    return ", ".join(parts)


def _told_line(line: dict) -> str:
    channel = {"sms": "SMS", "whatsapp": "WhatsApp", "push": "push"}.get(line.get("channel"), line.get("channel"))
    to, num, agency = line.get("to"), line.get("n", 0), line.get("agency")
    if to == "members":
        return _("%(channel)s ke %(num)s anggota %(agency)s", channel=channel, num=num, agency=agency)
    if to == "agency_staff":
        return _("push ke %(num)s petugas %(agency)s", num=num, agency=agency)
    if to == "desk":
        return _("push ke %(num)s petugas kecamatan", num=num)
    if to == "duty":
        return _("SMS ke HP piket kecamatan")
    if to == "kabupaten":
        return _("%(channel)s ke %(num)s petugas Pusdalops kabupaten", channel=channel, num=num)
    return _("%(channel)s ke %(num)s orang", channel=channel, num=num)


def told(data: dict | None) -> str:
    """Who a notice reached, from the ``told`` lines counted from its queued messages ("SMS ke 2 anggota
    Damkar, push ke 1 petugas Damkar"); when the people it was meant for (``unreached``) could not be reached,
    says so and who it went to instead; "tidak ada yang bisa dihubungi" when nobody was."""
    data = data or {}
    lines = [_told_line(line) for line in data.get("told") or [] if line.get("n")]
    unreached = data.get("unreached")
    if not lines:
        return _("tidak ada yang bisa dihubungi")
    said = ", ".join(lines)
    if unreached is None:
        return said
    if unreached == "desk":
        return _("petugas kecamatan tidak bisa dihubungi; diteruskan: %(told)s", told=said)
    return _("tidak ada anggota %(agency)s yang bisa dihubungi; diteruskan: %(told)s", agency=unreached, told=said)


def describe_event(event) -> str:
    """One timeline line in Bahasa Indonesia for an incident event."""
    data = event.data or {}
    kind = event.kind
    if kind == "opened":
        return _("Insiden dibuka dari laporan #%(id)s", id=event.report_id)
    if kind == "report":
        return _("Laporan #%(id)s masuk", id=event.report_id)
    if kind == "follow_up":
        return _("Pesan susulan #%(id)s dari pelapor (bukan laporan baru)", id=event.report_id)
    if kind == "from_inbox":
        return _("Dijadikan insiden dari pesan masuk #%(id)s", id=event.report_id)
    if kind == "status":
        old, new = STATUS_LABELS.get(data.get("old"), "?"), STATUS_LABELS.get(data.get("new"), "?")
        return _("Status: %(old)s → %(new)s", old=old, new=new)
    if kind == "agency":
        agency = data.get("agency")
        if data.get("withdrawn"):
            return _("Penyerahan ke %(agency)s ditarik", agency=agency)
        if agency and "told" in data:
            return _("Ditugaskan ke %(agency)s: %(told)s", agency=agency, told=told(data))
        return _("Ditugaskan ke %(agency)s", agency=agency) if agency else _("Penugasan instansi dihapus")
    if kind == "severity":
        return _("Keparahan: %(level)s", level=SEVERITY_LABELS.get(data.get("new"), _("belum dinilai")))
    if kind == "counts":
        old, new = data.get("old") or {}, data.get("new") or {}
        changed = {name: new.get(name) for name in {*old, *new} if old.get(name) != new.get(name)}
        if not changed:
            return _("Jumlah korban dan kerusakan dikoreksi")
        return _("Jumlah korban dan kerusakan dikoreksi: %(what)s", what=_figures(changed, old))
    if kind == "figures_proposed":
        what = _figures(data.get("counts") or {}, data.get("before") or {})
        if data.get("source"):
            return _("Insiden %(ticket)s yang digabung menyebut %(what)s: menunggu keputusan petugas",
                     ticket=data["source"], what=what)  # fmt: skip
        return _("Laporan #%(id)s menyebut %(what)s: menunggu keputusan petugas", id=event.report_id, what=what)
    if kind == "figures_accepted":
        return _("Angka baru diterima: %(what)s", what=_figures(data.get("new") or {}, data.get("old") or {}))
    if kind == "need":
        item = str(NEED_ITEM_LABELS.get(data.get("item"), data.get("item"))).lower()
        return _("Jumlah kebutuhan %(item)s: %(num)s %(unit)s", item=item, num=data.get("quantity"),
                 unit=data.get("unit") or "")  # fmt: skip
    if kind == "figures_ignored":
        return _("Usulan angka dari laporan #%(id)s diabaikan", id=data.get("report"))
    if kind == "publish":
        return _("dipublikasikan untuk warga") + (f": {data['summary']}" if data.get("summary") else "")
    if kind == "unpublish":
        return _("ditarik dari halaman publik")
    if kind == "note":
        return _("Catatan")
    if kind == "sms":
        if (data.get("segments") or 0) > 1:
            return _("SMS diantrekan untuk %(num)s pelapor, utuh: %(segments)s bagian per pesan, %(total)s SMS",
                     num=data.get("recipients", 0), segments=data["segments"], total=data.get("total"))  # fmt: skip
        return _("SMS diantrekan untuk %(num)s pelapor", num=data.get("recipients", 0))
    if kind == "merge":
        return _("Digabung ke %(ticket)s (%(num)s laporan dipindah)", ticket=data.get("into"), num=data.get("reports"))
    if kind == "merge_in":
        line = _("Menerima %(num)s laporan dari %(ticket)s", num=data.get("reports"), ticket=data.get("source"))
        if data.get("told"):
            line = _("%(line)s; %(num)s pelapornya diberi tahu tiket ini", line=line, num=data["told"])
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
    # Escalations written before they counted whom they reached claim nothing about it.
    if kind == "handover_late":
        line = _("%(agency)s belum menerima setelah %(num)s menit", agency=data.get("agency"), num=data.get("minutes"))
        return f"{line}: {told(data)}" if "told" in data else line
    if kind == "escalated":
        line = _("Belum diverifikasi setelah %(num)s menit", num=data.get("minutes"))
        return f"{line}: {told(data)}" if "told" in data else line
    if kind == "consultation":
        return _("Dibuka dari konsultasi #%(id)s", id=data.get("consultation"))
    if kind == "unreached":
        return _("Pemberitahuan insiden baru: %(told)s", told=told(data))
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


def translated(labels: dict) -> dict:
    """A dict of lazy labels with each translated once, for a template that looks them up in a loop."""
    return {key: str(label) for key, label in labels.items()}
