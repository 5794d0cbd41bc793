from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Incident, IncidentEvent, Report


def test_times_come_back_aware_in_utc(make_incident):
    wib = timezone(timedelta(hours=7))
    incident = make_incident("35.14.19", "Gading", opened_at=datetime(2026, 11, 22, 7, 30, tzinfo=wib))
    db.session.expire_all()
    stored = db.session.get(Incident, incident.id)
    assert stored.opened_at == datetime(2026, 11, 22, 0, 30, tzinfo=UTC)
    assert stored.opened_at.tzinfo is not None


def test_naive_times_are_refused(make_incident):
    with pytest.raises(Exception, match="naive datetime"):
        make_incident("35.14.19", "Gading", opened_at=datetime(2026, 11, 22, 7, 30))
    db.session.rollback()


def test_one_report_per_channel_and_external_id(make_incident):
    make_incident("35.14.19", "Gading")
    duplicate = Report(channel="sms", external_id="msg-1-0", raw_text="ulang", kecamatan_code="35.14.19")
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    other_channel = Report(channel="whatsapp", external_id="msg-1-0", raw_text="lain", kecamatan_code="35.14.19")
    db.session.add(other_channel)
    db.session.commit()


@pytest.mark.parametrize("change", [{"status": "hilang"}, {"hazard": "zombie"}, {"severity": 4}, {"meninggal": -1}])
def test_the_database_refuses_values_outside_the_vocabulary(make_incident, change):
    incident = make_incident("35.14.19", "Gading")
    for name, value in change.items():
        setattr(incident, name, value)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_timeline_events_are_append_only(make_incident):
    incident = make_incident("35.14.19", "Gading")
    db.session.add(IncidentEvent(incident=incident, kind="opened", note="dari SMS"))
    db.session.commit()
    event = db.session.scalar(select(IncidentEvent))
    event.note = "diubah"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(IncidentEvent)))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
