"""Upgrades with a way back: a desk in use at the previous head (0014) upgraded by ``flask upgrade`` keeps every
row of every table; ``flask upgrade`` backs up before it migrates, refuses when it cannot, stops with 3 on a newer
schema; a downgrade keeps every value or refuses and changes nothing."""

from __future__ import annotations

import hashlib
import stat
import uuid
import warnings
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree

import pytest
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import MetaData, text
from werkzeug.security import generate_password_hash

from conftest import PASSWORD, TWILIO_TOKEN, FreshContextClient, login, scratch_database
from sms.replies import STATUS_WORDS
from webapp.cli import create_app
from webapp.extensions import db
from webapp.operations.upgrade import revisions
from webhook_helpers import twilio_headers, twilio_params

# fmt: off
COUNTS = ("meninggal", "hilang", "luka", "luka_berat", "luka_ringan", "mengungsi", "terdampak", "mengungsi_kk",
          "terdampak_kk", "rumah_rusak_berat", "rumah_rusak_sedang", "rumah_rusak_ringan", "rumah_terendam")
# fmt: on
T = datetime(2026, 11, 30, 13, 40, tzinfo=UTC)  # a flood evening in Winongan (20:40 WIB)
WINONGAN, PRODO, GADING, SUMBERREJO = "35.14.19", "35.14.19.2009", "35.14.19.2018", "35.14.19.2008"
TWILIO_NUMBER = "+14155550100"


def at(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


# --- A database of the suite's kind, and a desk on it ---------------------------------------------------------


@contextmanager
def desk_on(url: str, tmp_path):
    """The app as the server runs it, on the database at ``url``, backing up into ``tmp_path/backups``."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "SQLALCHEMY_DATABASE_URI": url,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "SMS_GATEWAY": "console",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "WARNINGS_NOWCAST_URL": "",
            "WARNINGS_QUAKE_URL": "",
            "BACKUP_DIR": str(tmp_path / "backups"),
            "BACKUP_KEEP": 3,
        }
    )
    app.test_client_class = FreshContextClient
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def desk(database_uri, tmp_path):
    """A desk on its own empty database."""
    with scratch_database(database_uri, tmp_path) as url, desk_on(url, tmp_path) as app:
        yield app


def head(app) -> str:
    """This code's newest revision."""
    with app.app_context():
        return revisions().head


def revision(app) -> str | None:
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def flask(app, *args: str):
    """Run ``flask ARGS`` as the server's shell does (the command line runs in an application context)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


def migrate(app, target: str) -> None:
    with app.app_context():
        upgrade(revision=target)
        db.engine.dispose()


# --- A kecamatan desk in use at 0014, every table ---------------------------------------------------------------


def password(word: str = PASSWORD) -> str:
    return generate_password_hash(word, "pbkdf2:sha256:1000")


# fmt: off
def rows_0014() -> dict[str, list[dict]]:
    """What Kecamatan Winongan's desk holds after a night of floods, as the 0014 schema stores it, parents first:
    accounts of every role, residents, reports by SMS, WhatsApp and the web, merged and published incidents with
    their timelines, handovers, the outbound queue, a broadcast from a BMKG warning, shelters and needs, sign-ins
    and the audit log: a row or more in every table."""
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4  # a JPEG's start and bytes no text column could hold
    return {
        "region": [
            {"code": "35", "level": "provinsi", "name": "Jawa Timur", "parent_code": None},
            {"code": "35.14", "level": "kabupaten", "name": "Kabupaten Pasuruan", "parent_code": "35"},
            {"code": WINONGAN, "level": "kecamatan", "name": "Winongan", "parent_code": "35.14", "languages": "id,jv",
             "latitude": -7.7389, "longitude": 112.9452},
            {"code": PRODO, "level": "desa", "name": "Prodo", "parent_code": WINONGAN},
            {"code": GADING, "level": "desa", "name": "Gading", "parent_code": WINONGAN},
            {"code": SUMBERREJO, "level": "desa", "name": "Sumberrejo", "parent_code": WINONGAN},
        ],
        "agency": [{"id": 40, "name": "Relawan Tagana Winongan", "active": True, "region_code": WINONGAN},
                   {"id": 41, "name": "Linmas Prodo", "active": False, "region_code": None}],
        "user": [
            {"id": 1, "email": "admin@bpbd.pasuruankab.go.id", "name": "Admin BPBD", "password_hash": password(),
             "role": "admin", "region_code": None, "active": True, "created_at": at(-43200),
             "must_change_password": False, "password_changed_at": at(-40000)},
            {"id": 2, "email": "kasi.trantib@winongan.pasuruankab.go.id", "name": "Hadi Santoso",
             "password_hash": password(), "role": "kecamatan_staff", "region_code": WINONGAN,
             "api_token_hash": hashlib.sha256(b"token-hadi").hexdigest(), "active": True, "created_at": at(-43000),
             "phone": "+6281233350001", "list_seen_at": at(55), "must_change_password": False},
            {"id": 3, "email": "kades.prodo@gmail.com", "name": "Sutrisno", "password_hash": password(),
             "role": "desa_official", "region_code": PRODO, "active": True, "created_at": at(-42000),
             "phone": "+6281233350002", "must_change_password": False},
            {"id": 4, "email": "pusdalops@bpbd.pasuruankab.go.id", "name": "Pusdalops BPBD",
             "password_hash": password(), "role": "kabupaten_staff", "region_code": "35.14", "active": True,
             "created_at": at(-41000), "must_change_password": False},
            {"id": 5, "email": "puskesmas.winongan@gmail.com", "name": "dr. Rina Puspita",
             "password_hash": password("sementara-123"), "role": "agency", "region_code": WINONGAN, "agency_id": 2,
             "active": True, "created_at": at(-1000), "must_change_password": True},
            {"id": 6, "email": "staf.lama@winongan.pasuruankab.go.id", "name": "Staf Pindah Tugas",
             "password_hash": password("lama"), "role": "kecamatan_staff", "region_code": WINONGAN, "active": False,
             "created_at": at(-90000), "must_change_password": False},
        ],
        "reporter": [
            {"id": 1, "phone": "+6281234567890", "name": "Siti Aminah", "desa_code": PRODO, "opted_out": False,
             "created_at": at(-20000), "source": "sms", "registered_at": at(-20000)},
            {"id": 2, "phone": "+6285712345678", "name": None, "desa_code": None, "opted_out": False,
             "created_at": at(3)},
            {"id": 3, "phone": "+6281398765432", "name": "Slamet Riyadi", "desa_code": GADING, "opted_out": False,
             "created_at": at(-15000), "source": "petugas", "registered_at": at(-15000), "added_by_id": 2},
            {"id": 4, "phone": "+6289612340000", "name": "Warga Sumberrejo", "desa_code": SUMBERREJO,
             "opted_out": True, "created_at": at(-14000), "source": "csv", "registered_at": at(-14000),
             "added_by_id": 2},
        ],
        "warning_alert": [
            {"id": 1, "source": "nowcast", "identifier": "CJT20261130200000", "state": "aktif",
             "event": "Hujan Lebat disertai Petir", "hazard": "cuaca_ekstrem",
             "headline": "Peringatan Dini Cuaca Jawa Timur", "description": "Hujan lebat di Winongan, Grati, Lekok",
             "urgency": "Immediate", "severity": "Moderate", "certainty": "Likely", "issued_at": at(-30),
             "effective_at": at(-30), "expires_at": at(150), "received_at": at(-28), "updated_at": at(-28),
             "areas": [{"desc": "Winongan", "polygons": [[[-7.70, 112.90], [-7.78, 112.90], [-7.78, 112.99]]]}],
             "web": "https://nowcasting.bmkg.go.id/infografis/CJT/20261130200000", "matched": True},
            {"id": 2, "source": "gempa", "identifier": "20261130131500", "state": "aktif", "event": "Gempabumi",
             "hazard": "gempabumi", "issued_at": at(-25), "expires_at": at(1415), "received_at": at(-24),
             "updated_at": at(-24), "magnitude": 4.2, "latitude": -8.61, "longitude": 113.02, "matched": False},
        ],
        "warning_feed": [
            {"url": "https://www.bmkg.go.id/alerts/nowcast/id", "etag": 'W/"5f2a-1c"',
             "last_modified": "Mon, 30 Nov 2026 13:10:00 GMT", "polled_at": at(-2), "ok_at": at(-2), "failures": 0,
             "next_poll_at": at(3), "last_error": None},
            {"url": "https://data.bmkg.go.id/DataMKG/TEWS/autogempa.xml", "polled_at": at(-1), "ok_at": at(-90),
             "failures": 3, "next_poll_at": at(9), "last_error": "HTTP 503"},
        ],
        "warning_message": [
            {"id": 1, "source": "nowcast", "identifier": "CJT20261130200000_alert", "msg_type": "Alert",
             "url": "https://www.bmkg.go.id/alerts/nowcast/id/CJT20261130200000_alert.xml", "sent_at": at(-30),
             "received_at": at(-28), "alert_id": 1},
        ],
        "warning_draft": [
            {"id": 1, "alert_id": 1, "kecamatan_code": WINONGAN, "state": "terkirim",
             "body": "PERINGATAN BMKG: hujan lebat disertai petir s/d pukul 23.00 WIB. Warga bantaran Kali Rejoso "
                     "waspada banjir.", "created_at": at(-28), "updated_at": at(-20), "decided_by_id": 2,
             "decided_at": at(-20)},
        ],
        "incident": [
            {"id": 1, "ticket": "K7M3P", "hazard": "banjir", "kecamatan_code": WINONGAN, "desa_code": PRODO,
             "status": "diverifikasi", "severity": 2, "meninggal": 0, "hilang": 0, "luka": 3, "luka_berat": 2,
             "luka_ringan": 1, "mengungsi": 45, "terdampak": 120, "mengungsi_kk": 12, "terdampak_kk": 30,
             "rumah_rusak_berat": 0, "rumah_rusak_sedang": 2, "rumah_rusak_ringan": 5, "rumah_terendam": 40,
             "opened_at": at(0), "updated_at": at(50), "last_report_at": at(12),
             "public_summary": "Banjir di Desa Prodo, 40 rumah terendam, warga mengungsi ke Balai Desa.",
             "published_at": at(52), "b1": {"fasilitas": {"pendidikan": {"ringan": 1}},
                                            "rentan": {"lansia": 6, "bayi_balita": 4}, "situasi": "Air mulai surut"}},
            {"id": 2, "ticket": "H4RT9", "hazard": "banjir", "kecamatan_code": WINONGAN, "desa_code": PRODO,
             "status": "digabung", "meninggal": 0, "hilang": 0, "luka": 0, "mengungsi": 0, "terdampak": 0,
             "mengungsi_kk": 0, "terdampak_kk": 0, "rumah_rusak_berat": 0, "rumah_rusak_sedang": 0,
             "rumah_rusak_ringan": 0, "rumah_terendam": 0, "opened_at": at(3), "updated_at": at(20),
             "last_report_at": at(3), "merged_into_id": 1},
            {"id": 3, "ticket": "L3NKA", "hazard": "tanah_longsor", "kecamatan_code": WINONGAN, "desa_code": GADING,
             "status": "baru", "meninggal": 0, "hilang": 0, "luka": 0, "mengungsi": 0, "terdampak": 4,
             "mengungsi_kk": 0, "terdampak_kk": 1, "rumah_rusak_berat": 1, "rumah_rusak_sedang": 0,
             "rumah_rusak_ringan": 0, "rumah_terendam": 0, "opened_at": at(30), "updated_at": at(40),
             "last_report_at": at(30)},
            {"id": 4, "ticket": "F9KTR", "hazard": "kebakaran", "kecamatan_code": WINONGAN,
             "desa_code": SUMBERREJO, "status": "selesai", "severity": 3, "meninggal": 1, "hilang": 0, "luka": 2,
             "luka_berat": 0, "luka_ringan": 0, "mengungsi": 0, "terdampak": 5, "mengungsi_kk": 0,
             "terdampak_kk": 1, "rumah_rusak_berat": 1, "rumah_rusak_sedang": 0, "rumah_rusak_ringan": 0,
             "rumah_terendam": 0, "opened_at": at(-3000), "updated_at": at(-2000), "last_report_at": at(-3000),
             "published_at": at(-2900), "withdrawn_at": at(-2500)},
        ],
        "report": [
            {"id": 1, "channel": "sms", "external_id": "SM6f1c2e0a9b8d7c6e5f4a3b2c1d0e9f8a",
             "raw_text": "banjir di prodo air sepinggang 3 org luka 40 rmh terendam", "hazard": "banjir",
             "counts": {"luka": 3, "rumah_terendam": 40}, "kecamatan_code": WINONGAN, "desa_code": PRODO,
             "reporter_id": 1, "incident_id": 1, "received_at": at(0),
             "reply": "Laporan banjir di Desa Prodo diterima. Tiket: K7M3P. Cek status: CEK K7M3P.",
             "evidence": {"hazard": ["banjir"], "desa": ["prodo"], "counts": {"luka": "3 org luka"}}},
            {"id": 2, "channel": "whatsapp", "external_id": "SM1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a",
             "raw_text": "Pak, banjir lagi, warga ngungsi ke balai desa", "hazard": "banjir", "counts": {},
             "kecamatan_code": WINONGAN, "desa_code": PRODO, "reporter_id": 2, "incident_id": 2,
             "received_at": at(3), "question": "desa", "answered_at": at(6)},
            {"id": 3, "channel": "sms", "external_id": "SM9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "raw_text": "di prodo",
             "counts": {}, "kecamatan_code": WINONGAN, "desa_code": PRODO, "reporter_id": 2, "incident_id": 2,
             "received_at": at(6), "answers_report_id": 2},
            {"id": 4, "channel": "web", "external_id": str(uuid.UUID(int=4)),
             "raw_text": "Longsor menutup jalan Dusun Kedungdowo, 1 rumah rusak berat", "hazard": "tanah_longsor",
             "counts": {"rumah_rusak_berat": 1}, "kecamatan_code": WINONGAN, "desa_code": GADING,
             "submitted_by_id": 3, "incident_id": 3, "received_at": at(30), "latitude": -7.7512,
             "longitude": 112.9318, "details": {"needs": ["evakuasi"], "dusun": "Kedungdowo"}, "photo": photo,
             "photo_type": "image/jpeg"},
            {"id": 5, "channel": "sms", "external_id": "SM0f0e0d0c0b0a09080706050403020100",
             "raw_text": "CEK K7M3P", "command": "cek", "counts": {}, "kecamatan_code": WINONGAN,
             "reporter_id": 1, "received_at": at(20),
             "reply": f"Tiket K7M3P (banjir, Desa Prodo): {STATUS_WORDS['diverifikasi']}."},
            {"id": 6, "channel": "sms", "external_id": "SM5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e",
             "raw_text": "kebakaran rumah di sumberrejo 1 org meninggal 2 luka", "hazard": "kebakaran",
             "counts": {"meninggal": 1, "luka": 2}, "kecamatan_code": WINONGAN, "desa_code": SUMBERREJO,
             "reporter_id": 4, "incident_id": 4, "received_at": at(-3000)},
            {"id": 7, "channel": "sms", "external_id": "SM7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a",
             "raw_text": "POSKO PRD01 45 jiwa 12 kk", "command": "posko", "counts": {}, "kecamatan_code": WINONGAN,
             "desa_code": PRODO, "reporter_id": 1, "received_at": at(45)},
        ],
        "incident_event": [
            {"id": 1, "incident_id": 1, "at": at(0), "kind": "opened", "report_id": 1},
            {"id": 2, "incident_id": 1, "at": at(20), "kind": "merge_in", "actor_id": 2, "data": {"ticket": "H4RT9"}},
            {"id": 3, "incident_id": 2, "at": at(20), "kind": "merge", "actor_id": 2, "data": {"ticket": "K7M3P"}},
            {"id": 4, "incident_id": 1, "at": at(25), "kind": "status", "actor_id": 2,
             "data": {"from": "baru", "to": "diverifikasi"}},
            {"id": 5, "incident_id": 1, "at": at(26), "kind": "agency", "actor_id": 2, "data": {"agency": "BPBD"}},
            {"id": 6, "incident_id": 1, "at": at(40), "kind": "note", "actor_id": 2,
             "note": "TRC BPBD menuju lokasi dengan perahu karet."},
            {"id": 7, "incident_id": 3, "at": at(40), "kind": "counts", "actor_id": 3,
             "data": {"terdampak": [0, 4], "terdampak_kk": [0, 1]}},
            {"id": 8, "incident_id": 4, "at": at(-3000), "kind": "opened", "report_id": 6},
        ],
        "handover": [
            {"id": 1, "incident_id": 1, "agency_id": 1, "created_at": at(26), "created_by_id": 2,
             "acknowledged_at": at(28), "on_site_at": at(48)},
            {"id": 2, "incident_id": 1, "agency_id": 2, "created_at": at(27), "created_by_id": 2,
             "escalated_at": at(57)},
            {"id": 3, "incident_id": 4, "agency_id": 3, "created_at": at(-2990), "acknowledged_at": at(-2985),
             "on_site_at": at(-2970), "done_at": at(-2100)},
        ],
        "agency_member": [
            {"id": 1, "agency_id": 2, "name": "dr. Rina Puspita", "phone": "+6281333300001", "channel": "sms",
             "user_id": 5, "region_code": WINONGAN, "active": True},
            {"id": 2, "agency_id": 1, "name": "Budi (TRC BPBD)", "phone": "+6281333300002", "channel": "whatsapp",
             "active": True},
        ],
        "consultation": [
            {"id": 1, "key": str(uuid.UUID(int=11)), "desa_code": PRODO, "kecamatan_code": WINONGAN,
             "asked_by_id": 3, "asked_at": at(-600), "question": "Tanggul di Dusun Krajan retak, perlu dilaporkan?",
             "photo": photo, "photo_type": "image/jpeg", "status": "dijawab",
             "answer": "Ya, kirim foto dan ukuran retakan; tim PU kami minta meninjau.", "answered_by_id": 2,
             "answered_at": at(-550)},
            {"id": 2, "key": str(uuid.UUID(int=12)), "desa_code": PRODO, "kecamatan_code": WINONGAN,
             "asked_by_id": 3, "asked_at": at(-100), "question": "Stok terpal di posko habis.",
             "status": "diteruskan", "agency_id": 1},
        ],
        "receiving_number": [
            {"id": 1, "gateway": "android", "address": "dev-winongan/1", "kecamatan_code": WINONGAN,
             "created_at": at(-40000), "label": "HP gateway kantor kecamatan", "phone": "+6281299998888",
             "signing_key": hashlib.sha256(b"device key").hexdigest(), "key_set_at": at(-40000),
             "last_seen_at": at(58), "last_ping_at": at(58), "last_inbound_at": at(45), "last_sent_at": at(21),
             "failures": 0},
            {"id": 2, "gateway": "twilio", "address": TWILIO_NUMBER, "kecamatan_code": WINONGAN,
             "created_at": at(-40000), "last_failure_at": at(-500), "failure_reason": "HTTP 500", "failures": 1},
        ],
        "push_subscription": [
            {"id": 1, "user_id": 2, "endpoint": "https://fcm.googleapis.com/fcm/send/dXNlci0y:APA91bE",
             "p256dh": "BOr3q5c2LX7oYvXgS0G2G8k0W3dEw4GJ7Yf6x9q1m2n3", "auth": "c2VjcmV0LWF1dGg",
             "created_at": at(-7000)},
        ],
        "broadcast": [
            {"id": 1, "key": "draft-1", "kind": "peringatan", "hazard": "cuaca_ekstrem",
             "body": "PERINGATAN BMKG: hujan lebat disertai petir s/d pukul 23.00 WIB. Warga bantaran Kali "
                     "Rejoso waspada banjir.", "kecamatan_code": WINONGAN, "created_by_id": 2,
             "created_at": at(-20), "recipients": 2, "segments": 1, "estimated_cost": 700,
             "warning_draft_id": 1, "published_at": at(-19)},
        ],
        "broadcast_desa": [{"broadcast_id": 1, "desa_code": PRODO}, {"broadcast_id": 1, "desa_code": GADING}],
        "outbound_message": [
            {"id": 1, "key": "reply-1", "purpose": "reply", "channel": "sms", "gateway": "twilio",
             "to_phone": "+6281234567890", "body": "Laporan banjir di Desa Prodo diterima. Tiket: K7M3P.",
             "segments": 1, "status": "delivered", "attempts": 1, "next_attempt_at": at(0), "in_doubt": False,
             "provider_id": "SM00aa11bb22cc33dd44ee55ff66778899", "created_at": at(0), "sent_at": at(0.2),
             "delivered_at": at(0.5), "kecamatan_code": WINONGAN, "desa_code": PRODO, "reporter_id": 1,
             "incident_id": 1},
            {"id": 2, "key": "broadcast-1-1", "purpose": "broadcast", "channel": "sms", "gateway": "android",
             "to_phone": "+6281234567890", "sender": "dev-winongan/1", "sim_number": 1,
             "body": "PERINGATAN BMKG: hujan lebat disertai petir.", "segments": 1, "status": "sent", "attempts": 1,
             "next_attempt_at": at(-19), "in_doubt": False, "provider_id": "b1f0c3d2", "created_at": at(-19),
             "sent_at": at(-18), "kecamatan_code": WINONGAN, "desa_code": PRODO, "reporter_id": 1,
             "broadcast_id": 1},
            {"id": 3, "key": "broadcast-1-3", "purpose": "broadcast", "channel": "sms", "gateway": "android",
             "to_phone": "+6281398765432", "body": "PERINGATAN BMKG: hujan lebat disertai petir.", "segments": 1,
             "status": "queued", "attempts": 0, "next_attempt_at": at(-19), "in_doubt": False,
             "created_at": at(-19), "kecamatan_code": WINONGAN, "desa_code": GADING, "reporter_id": 3,
             "broadcast_id": 1},
            {"id": 4, "key": "notify-handover-2", "purpose": "notify", "channel": "whatsapp", "gateway": "twilio",
             "to_phone": "+6281333300002", "body": "Serah terima K7M3P (banjir, Prodo) ke BPBD.", "segments": 1,
             "status": "failed", "attempts": 5, "next_attempt_at": at(40), "in_doubt": False,
             "error": "21610: unsubscribed recipient", "created_at": at(26), "kecamatan_code": WINONGAN,
             "incident_id": 1},
            {"id": 5, "key": "push-2-1", "purpose": "notify", "channel": "push", "gateway": "webpush",
             "body": "Insiden baru: L3NKA tanah longsor di Gading", "segments": 1, "status": "sending",
             "attempts": 1, "next_attempt_at": at(30), "claimed_at": at(30.1), "claimed_by": "worker-vps-1234",
             "in_doubt": True, "created_at": at(30), "kecamatan_code": WINONGAN, "incident_id": 3,
             "push_subscription_id": 1},
            {"id": 6, "key": "email-gateway-1", "purpose": "notify", "channel": "email", "gateway": "smtp",
             "to_email": "admin@bpbd.pasuruankab.go.id", "body": "Gateway HP kantor kecamatan tidak terdengar.",
             "segments": 1, "status": "sent", "attempts": 1, "next_attempt_at": at(-500), "in_doubt": False,
             "created_at": at(-500), "sent_at": at(-499), "kecamatan_code": WINONGAN},
            {"id": 7, "key": "test-ABCD2345", "purpose": "test", "channel": "sms", "gateway": "android",
             "to_phone": "+6281299998888", "body": "Tes gateway Tangguh ABCD2345", "segments": 1,
             "status": "sent", "attempts": 1, "next_attempt_at": at(-900), "in_doubt": False,
             "created_at": at(-900), "sent_at": at(-899), "kecamatan_code": WINONGAN},
            {"id": 8, "key": "public-incident-1", "purpose": "public", "channel": "telegram", "gateway": "telegram",
             "body": "Banjir di Desa Prodo, 40 rumah terendam.", "segments": 1, "status": "cancelled",
             "attempts": 0, "next_attempt_at": at(52), "in_doubt": False, "created_at": at(52),
             "kecamatan_code": WINONGAN, "incident_id": 1},
        ],
        "gateway_test": [
            {"id": 1, "receiving_number_id": 1, "token": "ABCD2345", "requested_by_id": 2, "requested_at": at(-900),
             "outbound_message_id": 7, "arrived_at": at(-898), "pending": False},
        ],
        "sign_in": [
            {"id": 1, "at": at(-60), "email": "kasi.trantib@winongan.pasuruankab.go.id", "user_id": 2,
             "address": "10.20.0.15", "outcome": "wrong"},
            {"id": 2, "at": at(-59), "email": "kasi.trantib@winongan.pasuruankab.go.id", "user_id": 2,
             "address": "10.20.0.15", "outcome": "ok"},
            {"id": 3, "at": at(-30), "email": "staf.lama@winongan.pasuruankab.go.id", "user_id": 6,
             "address": "2001:db8::7", "outcome": "inactive"},
            {"id": 4, "at": at(-10), "email": "bukan.akun@contoh.id", "address": "203.0.113.9", "outcome": "wrong"},
        ],
        "audit_entry": [
            {"id": 1, "at": at(-43000), "action": "account_created",
             "target": "kasi.trantib@winongan.pasuruankab.go.id", "region_code": WINONGAN,
             "data": {"role": "kecamatan_staff"}},
            {"id": 2, "at": at(-40000), "actor_id": 1, "action": "number_added", "target": "android dev-winongan/1",
             "region_code": WINONGAN},
            {"id": 3, "at": at(-900), "actor_id": 2, "action": "gateway_test", "target": "android dev-winongan/1",
             "region_code": WINONGAN, "data": {"token": "ABCD2345"}},
        ],
        "dusun": [
            {"id": 1, "desa_code": PRODO, "name": "Krajan", "aliases": "krajan lor,krajan kidul",
             "source": "petugas", "added_by_id": 2, "created_at": at(-30000)},
            {"id": 2, "desa_code": GADING, "name": "Kedungdowo", "source": "csv", "created_at": at(-30000)},
        ],
        "learned_term": [
            {"id": 1, "kecamatan_code": WINONGAN, "kind": "hazard", "phrase": "banjir bandang", "value": "banjir",
             "report_id": 1, "created_by_id": 2, "created_at": at(21)},
            {"id": 2, "kecamatan_code": WINONGAN, "kind": "desa", "phrase": "prodho", "value": PRODO,
             "created_by_id": 2, "created_at": at(22)},
        ],
        "desa_info": [
            {"desa_code": PRODO, "evacuation_points": "Balai Desa Prodo; SDN Prodo 1",
             "emergency_numbers": "Kades 081233350002; Bidan desa 081355501234", "destana_level": "pratama",
             "updated_at": at(-5000), "updated_by_id": 3},
        ],
        "hazard_population": [
            {"id": 1, "desa_code": PRODO, "hazard": "banjir", "people": 1250,
             "source": "Kajian Risiko Bencana Kab. Pasuruan 2024", "year": 2024, "entered_by_id": 4,
             "updated_at": at(-20000)},
        ],
        "preparedness_activity": [
            {"id": 1, "key": str(uuid.UUID(int=21)), "desa_code": PRODO, "kecamatan_code": WINONGAN,
             "kind": "gladi", "hazard": "banjir", "held_on": date(2026, 10, 18), "participants": 64,
             "participant_names": "Perangkat desa, Linmas, Karang Taruna", "note": "Gladi evakuasi ke Balai Desa",
             "photo": photo, "photo_type": "image/jpeg", "created_by_id": 3, "created_at": at(-60000)},
        ],
        "rapid_assessment": [
            {"id": 1, "incident_id": 1, "assessor": "TRC BPBD Kab. Pasuruan", "assessed_at": at(50),
             "findings": "Genangan 60-90 cm di 3 RT; 45 jiwa mengungsi; akses jalan desa terputus.",
             "recommended_status": "tanggap_darurat", "created_by_id": 4, "created_at": at(55)},
        ],
        "emergency_status": [
            {"id": 1, "region_code": "35.14", "hazard": "banjir", "status": "tanggap_darurat",
             "starts_on": date(2026, 11, 30), "ends_on": date(2026, 12, 13),
             "basis": "SK Bupati Pasuruan No. 360/412/HK/424.013/2026", "set_by_id": 4, "created_at": at(56)},
        ],
        "shelter": [
            {"id": 1, "code": "PRD01", "kecamatan_code": WINONGAN, "desa_code": PRODO, "incident_id": 1,
             "name": "Balai Desa Prodo", "latitude": -7.7431, "longitude": 112.9377, "capacity": 150,
             "people": 45, "households": 12, "vulnerable": {"lansia": 6, "bayi_balita": 4},
             "coordinator_phone": "+6281234567890", "opened_at": at(10), "updated_at": at(45)},
            {"id": 2, "code": "GDG01", "kecamatan_code": WINONGAN, "desa_code": GADING, "incident_id": 3,
             "name": "Masjid Al-Ikhlas Gading", "people": 0, "households": 0, "opened_at": at(35),
             "updated_at": at(35)},  # opened, never counted: 0015 makes it "unknown"
            {"id": 3, "code": "SBR01", "kecamatan_code": WINONGAN, "desa_code": SUMBERREJO, "incident_id": 4,
             "name": "SDN Sumberrejo 2", "capacity": 80, "people": 0, "households": 0, "opened_at": at(-2990),
             "closed_at": at(-2200), "updated_at": at(-2200)},  # counted empty when it closed: stays 0
        ],
        "shelter_update": [
            {"id": 1, "shelter_id": 1, "people": 45, "households": 12, "vulnerable": {"lansia": 6},
             "report_id": 7, "at": at(45)},
            {"id": 2, "shelter_id": 3, "people": 0, "households": 0, "user_id": 2, "at": at(-2200)},
        ],
        "need": [
            {"id": 1, "kecamatan_code": WINONGAN, "desa_code": PRODO, "incident_id": 1, "shelter_id": 1,
             "item": "air_bersih", "quantity": 2000, "unit": "liter", "note": "Untuk 45 jiwa, 3 hari",
             "created_by_id": 2, "created_at": at(47)},
            {"id": 2, "kecamatan_code": WINONGAN, "desa_code": PRODO, "shelter_id": 1, "item": "selimut",
             "quantity": 60, "unit": "lembar", "created_by_id": 3, "created_at": at(48)},
        ],
        "need_delivery": [
            {"id": 1, "need_id": 1, "quantity": 1000, "agency_id": 1, "user_id": 2, "at": at(58)},
            {"id": 2, "need_id": 2, "quantity": 30, "donor": "Karang Taruna Prodo", "user_id": 3, "at": at(59)},
        ],
    }
# fmt: on


def plain(value):
    """A value as both databases give it back: timestamps as naive UTC, bytes as bytes."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def tables_of(connection) -> MetaData:
    metadata = MetaData()
    with warnings.catch_warnings():  # SQLite cannot reflect the list's expression indexes; the tables are enough
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        metadata.reflect(connection)
    return metadata


def insert(app, rows: dict[str, list[dict]]) -> None:
    """Insert ``rows`` (parents first) through the reflected tables in one transaction, as plain SQL would; on
    PostgreSQL the id sequences then continue after the highest id, as they do on a desk in use."""
    with app.app_context():
        with db.engine.begin() as connection:
            _insert(connection, rows)
        db.engine.dispose()


def _insert(connection, rows: dict[str, list[dict]]) -> None:
    tables = tables_of(connection).tables
    for name, table_rows in rows.items():
        table = tables[name]
        for row in table_rows:  # one at a time: rows of one table differ in the columns they give
            connection.execute(table.insert().values(**row))
    if connection.dialect.name == "postgresql":
        for name in rows:
            if "id" in tables[name].c and tables[name].c.id.autoincrement:
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                        f"(SELECT max(id) FROM \"{name}\"))"))  # fmt: skip


def snapshot(app) -> dict[str, dict[tuple, dict]]:
    """Every row of every table, keyed by primary key (the whole row when there is none)."""
    with app.app_context(), db.engine.connect() as connection:
        result = {}
        for table in tables_of(connection).sorted_tables:
            key = list(table.primary_key.columns) or list(table.columns)
            rows = {}
            for row in connection.execute(table.select().order_by(*key)).mappings():
                values = {column: plain(value) for column, value in row.items()}
                rows[tuple(values[c.name] for c in key)] = values
            result[table.name] = rows
        return result


def owns_figures(incident: dict, events: dict) -> bool:
    """0015's rule: a person stands behind the figures of an incident verified, handled, done, published or
    corrected by hand."""
    corrected = any(e["incident_id"] == incident["id"] and e["kind"] == "counts" for e in events.values())
    published = incident["published_at"] is not None
    return incident["status"] in ("diverifikasi", "ditangani", "selesai") or published or corrected


def as_0015_documents(table: str, row: dict, before: dict) -> dict:
    """A 0014 row as 0015 says it becomes: a count stored as 0 was "nobody said" and becomes NULL; a shelter
    opened and never counted has no figure rather than 0 people. Nothing else changes."""
    row = dict(row)
    if table == "incident":
        row.update({name: None for name in COUNTS if row[name] == 0})
    if table == "shelter":
        counted = {u["shelter_id"] for u in before["shelter_update"].values()}
        if row["people"] == 0 and row["households"] == 0 and row["id"] not in counted:
            row["people"] = row["households"] = None
    return row


# --- a) the previous head, upgraded with realistic data ---------------------------------------------------------


def test_a_desk_in_use_at_0014_keeps_every_row_through_flask_upgrade(desk):
    migrate(desk, "0014")
    given = rows_0014()
    insert(desk, given)
    before = snapshot(desk)
    assert set(before) - {"alembic_version"} == set(given)  # every table of 0014 holds rows
    for name, table_rows in given.items():  # the database holds what was written
        for row in table_rows:
            assert any(all(plain(value) == r[c] for c, value in row.items()) for r in before[name].values()), row

    result = flask(desk, "upgrade")
    assert result.exit_code == 0, result.output
    assert revision(desk) == head(desk)
    after = snapshot(desk)

    for name, rows in before.items():
        if name == "alembic_version":
            continue
        assert after[name].keys() == rows.keys(), name
        for key, row in rows.items():
            expected = as_0015_documents(name, row, before)
            kept = {column: after[name][key][column] for column in row}
            assert kept == expected, (name, key)
    incidents = after["incident"]
    assert [incidents[(n,)]["luka_berat"] for n in (1, 2, 3, 4)] == [2, None, None, None]  # 3/2/1 stays 3/2/1
    for key, incident in incidents.items():  # a new column, set as 0015 documents
        owned = owns_figures(before["incident"][key], before["incident_event"])
        assert incident["figures_owned_at"] == (incident["updated_at"] if owned else None), key
    assert [incidents[(n,)]["figures_owned_at"] is not None for n in (1, 2, 3, 4)] == [True, False, True, True]
    assert all(row["nip"] is None and row["signed_out_at"] is None for row in after["user"].values())
    assert all(row["report_id"] is None for row in after["need"].values())
    assert after["figure_proposal"] == {} and after["service_state"] == {}
    assert "backup " in result.output and "flask --app webapp.cli restore " in result.output

    # The desk still reads what it held: the old ticket answers CEK by SMS from its reporter, and the staff
    # incident page renders with its reports, figures and timeline.
    params = twilio_params("SMcek0000000000000000000000000001", "cek k7m3p", sender="+6281234567890")
    answer = desk.test_client().post("/sms/twilio", data=params, headers=twilio_headers(params))
    assert answer.status_code == 200
    reply = ElementTree.fromstring(answer.data).find("Message").text
    assert reply == f"Tiket K7M3P (banjir, Desa Prodo): {STATUS_WORDS['diverifikasi']}."
    staff = desk.test_client()
    assert login(staff, "kasi.trantib@winongan.pasuruankab.go.id").status_code == 303
    page = staff.get("/incidents/1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "K7M3P" in html
    assert "banjir di prodo air sepinggang" in html and "TRC BPBD menuju lokasi" in html
    assert "+62812****7890" in html and "+6281234567890" not in html


# --- b) flask upgrade -----------------------------------------------------------------------------------------


def a_desk_at_0015(desk) -> None:
    """The previous release's schema with one account and its region: a database that holds data."""
    migrate(desk, "0015")
    insert(desk, {"region": rows_0014()["region"][:3], "user": rows_0014()["user"][1:2]})


def test_flask_upgrade_backs_up_a_database_with_data_first_or_does_not_migrate(desk, tmp_path):
    a_desk_at_0015(desk)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    desk.config["BACKUP_DIR"] = str(blocker / "backups")  # the backup cannot be written
    refused = flask(desk, "upgrade")
    assert refused.exit_code == 1
    assert "the backup before the upgrade failed, so nothing was migrated" in refused.output
    assert revision(desk) == "0015"

    desk.config["BACKUP_DIR"] = str(tmp_path / "backups")
    result = flask(desk, "upgrade")
    assert result.exit_code == 0, result.output
    assert revision(desk) == head(desk)
    [saved] = list((tmp_path / "backups").glob("tangguh-*"))
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert f"the database is at 0015, this code's newest is {head(desk)}: " in result.output
    assert f"flask --app webapp.cli restore {saved} --force" in result.output
    assert "put back the code you ran before (its schema is 0015)" in result.output

    again = flask(desk, "upgrade")
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert len(list((tmp_path / "backups").glob("tangguh-*"))) == 1  # no second backup for nothing


def test_flask_upgrade_migrates_an_empty_database_without_a_backup(desk, tmp_path):
    result = flask(desk, "upgrade")
    assert result.exit_code == 0, result.output
    assert "holds no data yet, no backup needed" in result.output and "way back" not in result.output
    assert revision(desk) == head(desk)
    assert not (tmp_path / "backups").exists()


def test_a_database_newer_than_the_code_stops_flask_upgrade_with_3_and_the_way_on(desk, tmp_path):
    a_desk_at_0015(desk)
    with desk.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))  # written by newer code
        db.engine.dispose()
    result = flask(desk, "upgrade")
    assert result.exit_code == 3
    message = " ".join(result.output.split())
    assert f"the database is at revision 9999, which this code does not know (its newest is {head(desk)})" in message
    assert "Nothing was changed" in message and "run the newer code again" in message
    assert f"restore the backup taken before that upgrade (in {tmp_path / 'backups'}" in message
    assert "flask --app webapp.cli restore <backup> --force" in message
    assert revision(desk) == "9999" and not (tmp_path / "backups").exists()


# --- c) downgrades keep every value or refuse -----------------------------------------------------------------


def test_a_downgrade_that_would_lose_figures_refuses_and_changes_nothing(desk):
    migrate(desk, "head")
    rows = rows_0014()
    unknown = dict.fromkeys(COUNTS)  # nobody said
    proposal = {"id": 1, "incident_id": 3, "report_id": 4, "counts": {"rumah_rusak_berat": 2},
                "before": {"rumah_rusak_berat": 1}, "status": "terbuka", "created_at": at(60)}  # fmt: skip
    insert(desk, {
        "region": rows["region"], "user": rows["user"][1:2], "reporter": rows["reporter"][:1],
        "incident": [{**rows["incident"][2], **unknown, "luka_ringan": 2, "terdampak": 4}],  # 2 lightly hurt, of ?
        "report": [{**rows["report"][3], "submitted_by_id": None}], "figure_proposal": [proposal],
    })  # fmt: skip
    before = snapshot(desk)

    result = flask(desk, "db", "downgrade", "0014")
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert (
        "downgrade 0015 -> 0014 refused before changing anything: the older schema cannot hold "
        "figure proposals: 1; incidents with luka berat/ringan but no total: 1. Restore the backup taken before "
        "the upgrade instead (flask restore <backup> --force), then run the code you ran before." in message
    )
    after = snapshot(desk)
    if desk.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite commits each migration on its own: the steps down to 0015 are done (dropping the empty tables
        # of 0016 and later, such as service_state, and 0018's report inbox columns, empty here).
        assert revision(desk) == "0015" and "service_state" not in after
        gone = set(before) - set(after)
        assert not any(before[name] for name in gone)  # only empty tables went
        for name in gone:
            del before[name]
        del before["alembic_version"], after["alembic_version"]
        for row in before["report"].values():
            assert row.pop("handled_at") is None and row.pop("handled_by_id") is None
        for row in before["incident"].values():  # 0021's column: nothing waiting for the worker to tell
            assert row.pop("desk_untold") in (False, 0)
    else:
        assert revision(desk) == head(desk)  # PostgreSQL ran the whole downgrade in one transaction, rolled back
    assert after == before


def test_a_downgrade_that_loses_nothing_keeps_every_value_and_upgrades_back_to_the_same_rows(desk):
    migrate(desk, "head")
    rows = rows_0014()
    unknown = {"meninggal": None, "hilang": None, "rumah_rusak_berat": None}  # nobody said; no figure is 0
    unowned = {"status": "baru", "published_at": None, "public_summary": None}  # nobody stands behind it yet
    uncounted = {**rows["shelter"][1], "incident_id": None, "people": None, "households": None}
    insert(desk, {
        "region": rows["region"], "user": rows["user"][1:4], "reporter": rows["reporter"][:2],
        "incident": [{**rows["incident"][0], **unknown, **unowned}], "report": rows["report"][:1],
        "incident_event": rows["incident_event"][:1], "shelter": [rows["shelter"][0], uncounted], "need": rows["need"],
    })  # fmt: skip
    at_head = snapshot(desk)
    assert at_head["shelter"][(2,)]["people"] is None  # a shelter nobody counted yet: unknown, not 0

    result = flask(desk, "db", "downgrade", "0014")
    assert result.exit_code == 0, result.output
    assert revision(desk) == "0014"
    at_0014 = snapshot(desk)
    incident = at_0014["incident"][(1,)]
    assert [incident[name] for name in ("luka", "luka_berat", "luka_ringan", "mengungsi", "rumah_terendam")] == [
        3, 2, 1, 45, 40]  # fmt: skip
    assert (incident["meninggal"], incident["hilang"]) == (0, 0)  # "nobody said", as 0014 writes it
    assert [(s["people"], s["households"]) for s in at_0014["shelter"].values()] == [(45, 12), (0, 0)]
    assert [(n["quantity"], n["unit"]) for n in at_0014["need"].values()] == [(2000, "liter"), (60, "lembar")]

    # One step further would lose luka berat and ringan (the operator's 3/2/1 that came back 3/0/0): refused.
    further = flask(desk, "db", "downgrade", "0013")
    assert further.exit_code == 1
    assert "incidents with luka berat or luka ringan: 1" in further.output
    assert "shelters: 2" in further.output and "needs: 2" in further.output
    assert revision(desk) == "0014" and snapshot(desk) == at_0014

    result = flask(desk, "upgrade")
    assert result.exit_code == 0, result.output
    again = snapshot(desk)
    assert again == at_head


def test_a_downgrade_below_the_inbox_refuses_while_staff_handled_messages(desk):
    migrate(desk, "head")
    rows = rows_0014()
    message = {**rows["report"][0], "incident_id": None, "command": "pesan", "handled_at": at(30), "handled_by_id": 2}
    insert(desk, {"region": rows["region"], "user": rows["user"][1:4], "reporter": rows["reporter"][:2],
                  "report": [message]})  # fmt: skip
    before = snapshot(desk)
    result = flask(desk, "db", "downgrade", "0017")
    assert result.exit_code == 1
    assert "downgrade 0018 -> 0017 refused before changing anything" in " ".join(result.output.split())
    assert "messages marked handled in the inbox: 1" in result.output
    after = snapshot(desk)
    if desk.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):  # the later, empty steps down are done
        assert revision(desk) == "0018"
        gone = set(before) - set(after)
        assert not any(before[name] for name in gone)
        for name in gone:
            del before[name]
        del before["alembic_version"], after["alembic_version"]
    else:
        assert revision(desk) == head(desk)
    assert after == before
