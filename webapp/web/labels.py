"""Labels people read for the domain vocabulary, through Flask-Babel (Bahasa Indonesia first, English too).

``sms.vocab`` keeps the plain Indonesian names for SMS, which never change language; pages use these.
"""

from flask_babel import lazy_gettext as _l

HAZARD_LABELS = {
    "banjir": _l("Banjir"),
    "tanah_longsor": _l("Tanah longsor"),
    "cuaca_ekstrem": _l("Cuaca ekstrem"),
    "gelombang_pasang": _l("Gelombang pasang/abrasi"),
    "gempabumi": _l("Gempabumi"),
    "tsunami": _l("Tsunami"),
    "erupsi": _l("Erupsi gunung api"),
    "karhutla": _l("Kebakaran hutan dan lahan"),
    "kekeringan": _l("Kekeringan"),
    "kebakaran": _l("Kebakaran gedung dan permukiman"),
}
STATUS_LABELS = {
    "baru": _l("Baru"),
    "diverifikasi": _l("Diverifikasi"),
    "ditangani": _l("Ditangani"),
    "selesai": _l("Selesai"),
    "ditolak": _l("Ditolak"),
    "digabung": _l("Digabung"),
}
COUNT_LABELS = {
    "meninggal": _l("Meninggal"),
    "hilang": _l("Hilang"),
    "luka": _l("Luka-luka (jumlah)"),
    "luka_berat": _l("Luka berat"),
    "luka_ringan": _l("Luka ringan"),
    "mengungsi": _l("Mengungsi (jiwa)"),
    "terdampak": _l("Terdampak (jiwa)"),
    "mengungsi_kk": _l("Mengungsi (KK)"),
    "terdampak_kk": _l("Terdampak (KK)"),
    "rumah_rusak_berat": _l("Rumah rusak berat"),
    "rumah_rusak_sedang": _l("Rumah rusak sedang"),
    "rumah_rusak_ringan": _l("Rumah rusak ringan"),
    "rumah_terendam": _l("Rumah terendam"),
}
NEED_LABELS = {
    "air_bersih": _l("Air bersih"),
    "pangan": _l("Pangan"),
    "tenda": _l("Tenda/hunian"),
    "selimut": _l("Selimut"),
    "obat": _l("Obat-obatan"),
    "evakuasi": _l("Evakuasi"),
}
HANDOVER_STAGE_LABELS = {
    "diserahkan": _l("diserahkan, belum diterima"),
    "diterima": _l("diterima"),
    "di_lokasi": _l("di lokasi"),
    "selesai": _l("selesai"),
}
# The next answer an agency gives at each stage: (SMS keyword, button label).
HANDOVER_NEXT = {
    "diserahkan": ("terima", _l("Terima")),
    "diterima": ("tangani", _l("Tiba di lokasi")),
    "di_lokasi": ("selesai", _l("Selesai")),
}
ROLE_LABELS = {
    "admin": _l("Admin"),
    "kabupaten_staff": _l("Staf BPBD kabupaten / Pusdalops"),
    "kecamatan_staff": _l("Staf kecamatan"),
    "desa_official": _l("Perangkat desa"),
    "agency": _l("Petugas instansi"),
}
SEVERITY_LABELS = {1: _l("rendah"), 2: _l("sedang"), 3: _l("tinggi")}
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
# What /healthz's reason words mean, for the strip on the admin's pages.
SERVER_REASONS = {
    "database": _l("basis data tidak menjawab"),
    "ratelimit_store": _l("penyimpan batas laju (Redis) tidak terjangkau"),
    "worker_stopped": _l("pengirim pesan (worker) berhenti"),
    "outbound_stalled": _l("pesan keluar tertahan"),
    "gateway_offline": _l("gateway SMS terputus"),
    "gateway_credit": _l("pulsa atau masa aktif SIM gateway hampir habis"),
    "backup_failed": _l("cadangan terakhir gagal"),
    "backup_stale": _l("tidak ada cadangan baru"),
    "backup_readable": _l("berkas cadangan dapat dibaca pengguna lain"),
    "offsite_failed": _l("salinan cadangan ke luar server gagal"),
    "proxy_untrusted": _l("proksi tidak dipercaya (TRUSTED_PROXY_COUNT)"),
}

AUDIT_LABELS = {
    "account_created": _l("Akun dibuat"),
    "password_reset": _l("Kata sandi sementara dibuat"),
    "account_deactivated": _l("Akun dinonaktifkan"),
    "account_activated": _l("Akun diaktifkan lagi"),
    "api_token_issued": _l("Token API dibuat"),
    "number_added": _l("Nomor/HP gateway dipasang"),
    "number_changed": _l("Nomor/HP gateway diubah"),
    "number_removed": _l("Nomor/HP gateway dihapus"),
    "key_rotated": _l("Kunci webhook dibuat baru"),
    "gateway_test": _l("SMS uji gateway"),
    "agency_added": _l("Instansi ditambahkan"),
    "agency_changed": _l("Wilayah instansi diubah"),
    "agency_deactivated": _l("Instansi dinonaktifkan"),
    "agency_activated": _l("Instansi diaktifkan"),
    "agency_member_added": _l("Petugas instansi ditambahkan"),
    "agency_member_removed": _l("Petugas instansi dihapus"),
    "database_restored": _l("Basis data dipulihkan dari cadangan"),
    "region_position": _l("Posisi kecamatan diatur"),
    "broadcast_published": _l("Siaran dipublikasikan"),
    "broadcast_withdrawn": _l("Siaran ditarik dari publik"),
    "desa_info_changed": _l("Info publik desa diubah"),
}

# What became of a BMKG warning's draft broadcast.
DRAFT_STATE_LABELS = {
    "draf": _l("menunggu dikirim"),
    "terkirim": _l("terkirim ke warga"),
    "dibuang": _l("dibuang petugas"),
    "ditarik": _l("ditarik (dibatalkan atau diperbarui BMKG)"),
}

# CAP's severity, urgency and certainty, as BMKG sends them, in words staff read.
CAP_LABELS = {
    "Extreme": _l("ekstrem"),
    "Severe": _l("berat"),
    "Moderate": _l("sedang"),
    "Minor": _l("ringan"),
    "Immediate": _l("segera"),
    "Expected": _l("dalam waktu dekat"),
    "Future": _l("nanti"),
    "Past": _l("sudah lewat"),
    "Observed": _l("teramati"),
    "Likely": _l("kemungkinan besar"),
    "Possible": _l("mungkin"),
    "Unlikely": _l("kecil kemungkinan"),
    "Unknown": _l("tidak diketahui"),
}

DESTANA_LABELS = {"pratama": _l("Destana Pratama"), "madya": _l("Destana Madya"), "utama": _l("Destana Utama")}

# The preparedness and information activities a desa logs (SPM services 1 and 2).
PREPAREDNESS_LABELS = {
    "sosialisasi": _l("Sosialisasi / KIE"),
    "gladi": _l("Gladi / simulasi"),
    "pelatihan": _l("Pelatihan"),
    "rencana_kontinjensi": _l("Rencana kontinjensi"),
    "kajian_risiko": _l("Kajian risiko"),
    "peralatan": _l("Peralatan"),
}

EMERGENCY_LABELS = {
    "siaga_darurat": _l("Siaga darurat"),
    "tanggap_darurat": _l("Tanggap darurat"),
    "transisi_darurat": _l("Transisi darurat ke pemulihan"),
}
FACILITY_LABELS = {
    "pendidikan": _l("Pendidikan"),
    "peribadatan": _l("Peribadatan"),
    "kesehatan": _l("Kesehatan"),
    "perkantoran": _l("Perkantoran"),
    "jembatan": _l("Jembatan"),
}
DAMAGE_LABELS = {"berat": _l("rusak berat"), "sedang": _l("rusak sedang"), "ringan": _l("rusak ringan")}
VULNERABLE_LABELS = {
    "bayi_balita": _l("Bayi/balita"),
    "ibu_hamil_menyusui": _l("Ibu hamil/menyusui"),
    "lansia": _l("Lansia"),
    "disabilitas": _l("Penyandang disabilitas"),
}
SITUATION_LABELS = {
    "akses": _l("Akses ke lokasi"),
    "komunikasi": _l("Komunikasi"),
    "listrik": _l("Listrik"),
    "air_bersih": _l("Air bersih"),
    "faskes": _l("Fasilitas kesehatan rusak dan apakah masih melayani"),
    "upaya": _l("Upaya yang sudah dilakukan"),
    "bantuan": _l("Bantuan yang dibutuhkan segera"),
    "lokasi_pengungsian": _l("Lokasi pengungsian"),
}
NEED_ITEM_LABELS = {
    "air_bersih": _l("Air bersih"),
    "pangan": _l("Pangan"),
    "sandang": _l("Sandang"),
    "tenda": _l("Tenda/hunian"),
    "selimut": _l("Selimut"),
    "obat": _l("Obat-obatan/layanan kesehatan"),
    "evakuasi": _l("Evakuasi"),
    "lainnya": _l("Lainnya"),
}

# What a message read as conversation is about (sms.conversation.TOPICS).
CONVERSATION_LABELS = {
    "greeting": _l("salam"),
    "thanks": _l("terima kasih"),
    "question": _l("pertanyaan"),
    "chat": _l("obrolan"),
    "promo": _l("promosi"),
    "memory": _l("kenangan bencana lalu"),
    "forecast": _l("prakiraan cuaca"),
}
