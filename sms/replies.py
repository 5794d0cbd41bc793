"""Every automatic SMS reply, in Bahasa Indonesia, guaranteed to fit one GSM-7 segment (160 characters).

Variable parts (desa and reporter names) are shortened when a long name would push a reply into a second
segment; the ticket code is never shortened.
"""

from __future__ import annotations

import unicodedata

from .gsm import GSM7_BASIC, GSM7_EXTENDED, SINGLE_GSM7, encoding_of
from .vocab import HAZARDS

STATUS_WORDS = {
    "baru": "diterima, menunggu verifikasi",
    "diverifikasi": "sudah diverifikasi kecamatan",
    "ditangani": "sedang ditangani petugas",
    "selesai": "selesai ditangani",
    "ditolak": "ditolak (bukan kejadian bencana)",
    "digabung": "digabung dengan laporan lain",
}

TEMPLATES = {
    "received": "Laporan {hazard} di {desa} diterima. Tiket: {ticket}. Cek status: CEK {ticket}. "
    "Bila darurat hubungi 112. Terima kasih.",
    "received_unclassified": "Laporan diterima, tiket {ticket}. Mohon kirim lagi dgn jenis bencana & desa, "
    "contoh: LAPOR BANJIR {example} air 50cm",
    "received_no_desa": "Laporan {hazard} diterima, tiket {ticket}. Desa belum jelas, mohon balas: "
    "LAPOR {keyword} <DESA> <keterangan>",
    # A desa of another kecamatan that Tangguh does not serve: staff pass the report on.
    "received_elsewhere": "Laporan {hazard} diterima, tiket {ticket}. {desa} di luar kecamatan ini, petugas akan "
    "meneruskannya. Bila darurat hubungi 112.",
    "status": "Tiket {ticket} ({hazard}, {desa}): {status}.",
    "status_merged": "Tiket {old} digabung ke tiket {ticket} ({hazard}, {desa}): {status}.",
    "merged": "Laporan Anda (tiket {old}) digabung dgn laporan {hazard} lain di {desa}. Tiket sekarang: {ticket}. "
    "Cek status: CEK {ticket}",
    "verified": "Tiket {ticket}: laporan {hazard} di {desa} sudah diverifikasi kecamatan dan akan ditindaklanjuti.",
    "resolved": "Tiket {ticket}: penanganan {hazard} di {desa} sudah selesai. Terima kasih atas laporan Anda.",
    # One answer for a ticket that does not exist and one this number may not see: a stranger learns nothing.
    "cek_unknown": "Tiket {ticket} tidak ditemukan, atau tidak dapat dicek dari nomor ini. Format: CEK <tiket>",
    "cek_missing": "Format cek status: CEK <tiket>. Contoh: CEK K7M3P",
    "daftar_ok": "Terima kasih {name}, nomor Anda terdaftar di {desa}. Ketik BERHENTI bila tidak ingin "
    "menerima info bencana.",
    "daftar_invalid": "Format daftar: DAFTAR <nama> <desa>. Contoh: DAFTAR Siti {example}",
    "berhenti": "Anda tidak akan menerima info bencana lagi. Ketik MULAI untuk berlangganan kembali.",
    "mulai": "Anda kembali menerima info bencana dari kecamatan. Ketik BERHENTI untuk berhenti.",
    "bantuan": "Lapor: LAPOR <JENIS> <DESA> <keterangan>. Cek: CEK <tiket>. Daftar: DAFTAR <nama> <desa>. "
    "Stop info: BERHENTI. Darurat: 112",
    "duty_new": "Tangguh: insiden baru {ticket}, {hazard} di {desa}. Mohon diverifikasi di daftar insiden.",
    "duty_unverified": "Tangguh: insiden {ticket} ({hazard}, {desa}) belum diverifikasi setelah {minutes} menit.",
    "handover": "TANGGUH {agency}: tiket {ticket}, {hazard} di {desa}.{counts} Balas TERIMA {ticket}, TANGANI {ticket}"
    " atau SELESAI {ticket} catatan",
    "handover_link": "TANGGUH {agency}: tiket {ticket}, {hazard} di {desa}.{counts} Balas TERIMA/TANGANI/SELESAI "
    "{ticket}. {link}",
    "unreached_handover": "Tangguh: tiket {ticket} ({hazard}, {desa}) diserahkan ke {agency}, tapi tak ada petugas "
    "{agency} yg bisa dihubungi. Mohon hubungi {agency}.",
    "pusdalops_new": "Tangguh: insiden baru {ticket}, {hazard} di {desa}. Petugas kecamatan tak bisa dihubungi (tanpa "
    "HP piket/notifikasi).",
    "forward": "TANGGUH {agency}, konsultasi dari {desa}: {question} (jawab di menu Konsultasi Tangguh)",
    "unreached_forward": "Tangguh: konsultasi dari {desa} diteruskan ke {agency}, tapi tak ada petugas {agency} yg "
    "bisa dihubungi. Mohon hubungi {agency}.",
    "duty_handover_late": "Tangguh: {agency} belum menerima tiket {ticket} ({hazard}, {desa}) setelah {minutes} menit.",
    "agency_recorded": "Tiket {ticket}: {stage} oleh {agency} tercatat. Terima kasih.",
    "agency_already": "Tiket {ticket}: {stage} oleh {agency} sudah tercatat sebelumnya.",
    "agency_not_handed": "Tiket {ticket} tidak diserahkan ke instansi Anda. Tidak ada yang diubah.",
    "agency_unknown_sender": "Nomor ini tidak terdaftar sebagai petugas instansi. Hubungi kecamatan.",
    "rate_limited": "Terlalu banyak pesan dari nomor ini. Pesan berikutnya akan dibaca petugas nanti.",
    "gateway_silent": "Tangguh: {gateway} ({kecamatan}) diam sejak {since}. SMS warga tidak masuk. Cek baterai, "
    "pulsa, sinyal dan aplikasi gateway.",
    "gateway_failing": "Tangguh: {gateway} ({kecamatan}) gagal kirim SMS sejak {since}: {reason}. Cek pulsa dan "
    "sinyal.",
    "backup_failed": "Tangguh: cadangan data GAGAL {at}: {reason}. Cadangan baik terakhir: {last}. Cek "
    "journalctl -u tangguh-backup",
    "offsite_failed": "Tangguh: salinan cadangan ke luar server GAGAL {at}: {reason}. Salinan baik terakhir: {last}.",
    "unit_failed": "Tangguh: layanan {unit} di {host} berhenti karena gagal {at}. Cek journalctl -u {unit}",
    "gateway_credit": "Tangguh: {gateway} ({kecamatan}): {state}. Isi pulsa agar SMS ke warga tetap terkirim.",
    "gateway_online": "Tangguh: {gateway} ({kecamatan}) tersambung lagi {at}. SMS warga masuk kembali.",
    "gateway_test": "Tes Tangguh {token}: SMS uji gateway, abaikan.",
    "warning_duty": "Tangguh: peringatan dini BMKG {event} utk {kecamatan} s/d {until}. Draf siaran siap di menu "
    "Siaran, mohon dikirim atau dibuang.",
    "shelter_counted": "POSKO {code} {name}: {people} jiwa, {households} KK tercatat. Terima kasih.",
    "shelter_unknown": "Kode posko {code} tidak dikenal. Format: POSKO <kode> <jumlah> jiwa <jumlah> kk",
    "shelter_not_coordinator": "Nomor ini bukan koordinator posko {code}. Hubungi kecamatan.",
    "shelter_refused": "POSKO {code} tidak dicatat: {reason}",
    "warning_updated": "Tangguh: BMKG memperbarui peringatan yg sudah disiarkan ke warga {kecamatan}: {event} s/d "
    "{until}. Pertimbangkan siaran lanjutan.",
    "warning_cancelled": "Tangguh: BMKG mencabut peringatan {event} yg sudah disiarkan ke warga {kecamatan}. "
    "Pertimbangkan siaran pencabutan.",
    "warning_duty_link": "Tangguh: peringatan dini BMKG {event} utk {kecamatan} s/d {until}. Draf siaran siap: {link}",
    "ask_desa": "Laporan {hazard} diterima, tiket {ticket}. Di desa mana? Balas nama desanya saja, contoh: {example}",
    # A message that is not a report (issue 35): honest, never "Laporan diterima", no ticket.
    "inbox": "Pesan Anda diterima petugas kecamatan. Bila ada bencana, kirim: LAPOR <JENIS> <DESA> <keterangan>. "
    "Darurat: 112",
    "follow_up": "Pesan Anda utk tiket {ticket} diteruskan ke petugas kecamatan. Cek status: CEK {ticket}",
    "ask_hazard": "Laporan di {desa} diterima, tiket {ticket}. Kejadian apa? Balas satu kata, contoh: BANJIR, LONGSOR, "
    "KEBAKARAN",
}

# Parts that may be shortened to fit, in the order they give way.
_SHRINKABLE = (
    "question",
    "name",
    "desa",
    "example",
    "counts",
    "agency",
    "hazard",
    "reason",
    "gateway",
    "kecamatan",
    "event",
    "host",
)
_MIN_PART = 6


def to_gsm7(text: str) -> str:
    """Replace what GSM-7 cannot carry: accents dropped (Gêdê → Gede), curly quotes straightened, the rest '?'."""
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2026", "...")
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(out)


def hazard_label(slug: str | None) -> str:
    return HAZARDS.get(slug, "bencana").lower() if slug else "bencana"


def render(template: str, **parts: str) -> str:
    """One reply, in GSM-7, at most 160 characters: long names are cut to fit, the ticket never is."""
    if template not in TEMPLATES:
        raise KeyError(template)
    parts = {k: to_gsm7(" ".join(str(v).split())) for k, v in parts.items()}
    text = TEMPLATES[template].format(**parts)
    for name in _SHRINKABLE:
        original = parts.get(name, "")
        keep = len(original)
        if keep <= _MIN_PART + 2:
            continue  # cutting to _MIN_PART plus ".." would not make it shorter
        # keep falls on every pass, so this ends even when extension characters count double.
        while encoding_of(text).units > SINGLE_GSM7 and keep > _MIN_PART:
            excess = encoding_of(text).units - SINGLE_GSM7
            keep = max(_MIN_PART, min(keep - 1, len(original) - excess - 2))
            parts[name] = original[:keep].rstrip() + ".."
            text = TEMPLATES[template].format(**parts)
    if encoding_of(text).units > SINGLE_GSM7:
        raise ValueError(f"reply {template!r} does not fit one segment: {text!r}")
    return text
