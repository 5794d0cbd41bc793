"""Every setting a person may change, for the settings page (``/pengaturan``): what it is, in a line, and the
ability (``access.ABILITIES``) it takes; the page lists those the user holds, so a new setting is one row here."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ..access import can
from ..models import User


@dataclass(frozen=True)
class Setting:
    endpoint: str
    title: str
    description: str
    ability: str | None  # None: every signed-in user


SETTINGS = (
    Setting("setup.gateways", _l("Gateway SMS"),
            _l("HP gateway dan nomor penerima SMS kecamatan: kunci, SMS uji, kecepatan kirim."), "gateway_status"),
    Setting("setup.agencies", _l("Instansi"),
            _l("Instansi (BPBD, Puskesmas, Damkar …) dan petugasnya yang menerima penyerahan insiden."), "agencies"),
    Setting("people.index", _l("Akun"),
            _l("Membuat akun petugas, menonaktifkan, memberi kata sandi sementara."), "accounts"),
    Setting("vocabulary.index", _l("Kosakata dan bahasa"),
            _l("Bahasa daerah yang dipakai warga dan kata yang dipelajari dari laporan."), "vocabulary"),
    Setting("vocabulary.dusun", _l("Dusun"), _l("Nama dusun, kampung dan dukuh tiap desa."), "dusun"),
    Setting("public.desa_info", _l("Info desa untuk warga"),
            _l("Titik kumpul evakuasi, nomor darurat dan tingkat Destana di halaman publik."), "desa_info"),
    Setting("spm.denominators", _l("Penduduk di daerah rawan"),
            _l("Jumlah warga di daerah rawan per desa dan jenis bencana, untuk angka SPM."), "denominators"),
    Setting("setup.sign_ins", _l("Riwayat masuk"), _l("Percobaan masuk, berhasil dan gagal."), "audit"),
    Setting("setup.audit", _l("Log audit"), _l("Siapa mengubah apa di pengaturan dan akun, kapan."), "audit"),
    Setting("health.server", _l("Server"),
            _l("Basis data, worker pengirim SMS, cadangan data dan layanan pendukung."), "server"),
    Setting("people.own_password", _l("Kata sandi"), _l("Ganti kata sandi Anda sendiri."), None),
)  # fmt: skip


def settings_for(user: User) -> list[Setting]:
    """The settings ``user`` may open, in the page's order."""
    return [setting for setting in SETTINGS if setting.ability is None or can(user, setting.ability)]
