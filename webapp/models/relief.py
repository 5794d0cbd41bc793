"""Emergency relief as BNPB counts it: the kaji cepat, emergency status, shelters, urgent needs and
deliveries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sms.vocab import NEEDS

from ..extensions import db
from .base import JSONType, UTCDateTime, hazard_check, utcnow
from .incidents import (
    Incident,
)
from .people import (
    Agency,
)
from .regions import Region

EMERGENCY_STATUSES = ("siaga_darurat", "tanggap_darurat", "transisi_darurat")  # PP 21/2008


EMERGENCY_STATUSES = ("siaga_darurat", "tanggap_darurat", "transisi_darurat")  # PP 21/2008
NEED_ITEMS = NEEDS  # the parser reads the same items from an SMS


class RapidAssessment(db.Model):
    """Kaji cepat: who assessed an incident's site (TRC BPBD, the kecamatan), when, what they found, and the
    emergency status they recommend to the Pemda (the decision itself is an ``EmergencyStatus``)."""

    __tablename__ = "rapid_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    assessor: Mapped[str] = mapped_column(String(120))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    findings: Mapped[str] = mapped_column(Text)
    recommended_status: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(recommended_status.is_(None) | recommended_status.in_(EMERGENCY_STATUSES), name="status"),
    )


class EmergencyStatus(db.Model):
    """The emergency status the Pemda set for a kabupaten or kecamatan and a hazard (siaga darurat, tanggap
    darurat, transisi darurat ke pemulihan), from ``starts_on`` until ``ends_on`` (open: still in force).
    Separate from any incident's triage status."""

    __tablename__ = "emergency_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    hazard: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(200))  # the decree (SK Bupati …) or decision it rests on
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()

    __table_args__ = (
        CheckConstraint(status.in_(EMERGENCY_STATUSES), name="status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        hazard_check(hazard),
    )


class Shelter(db.Model):
    """A pengungsian: a place (desa, name, position), its capacity, the people and households there now and the
    vulnerable among them; its coordinator updates it by SMS (``POSKO <kode> 120 jiwa 35 kk``)."""

    __tablename__ = "shelter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[int | None] = mapped_column(Integer)  # None: not counted yet (never shown as 0)
    households: Mapped[int | None] = mapped_column(Integer)
    vulnerable: Mapped[dict | None] = mapped_column(JSONType)  # bayi_balita, ibu_hamil_menyusui, lansia, disabilitas
    coordinator_phone: Mapped[str | None] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship(foreign_keys=[desa_code])
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])
    incident: Mapped[Incident | None] = relationship()

    __table_args__ = (
        CheckConstraint("people >= 0 AND households >= 0 AND (capacity IS NULL OR capacity > 0)", name="counts"),
    )


class ShelterUpdate(db.Model):
    """One count of a shelter's people, from the web or by SMS (exactly once: one per report)."""

    __tablename__ = "shelter_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelter.id", ondelete="CASCADE"), index=True)
    people: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    vulnerable: Mapped[dict | None] = mapped_column(JSONType)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Need(db.Model):
    """An urgent need of an incident or a shelter: an item and how much; deliveries record who met it."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelter.id"), index=True)
    item: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int | None] = mapped_column(Integer)  # None: asked for, how much not yet known
    unit: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(300))
    # The report that asked for it (a ticked box on the web form, B-1's list, or an SMS): one need per item.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shelter: Mapped[Shelter | None] = relationship()
    incident: Mapped[Incident | None] = relationship()
    desa: Mapped[Region | None] = relationship(foreign_keys=[desa_code])
    deliveries: Mapped[list[NeedDelivery]] = relationship(back_populates="need", order_by="NeedDelivery.id")

    __table_args__ = (
        CheckConstraint(item.in_(NEED_ITEMS), name="item"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity"),
        CheckConstraint("incident_id IS NOT NULL OR shelter_id IS NOT NULL", name="for_something"),
        UniqueConstraint("report_id", "item"),
    )

    @property
    def delivered(self) -> int:
        return sum(d.quantity for d in self.deliveries)

    @property
    def open(self) -> int | None:
        """What is still missing; None while nobody said how much is needed (deliveries do not tell)."""
        if self.quantity is None:
            return None
        return max(self.quantity - self.delivered, 0)

    @property
    def is_open(self) -> bool:
        """Still asked for: a quantity not yet delivered in full, or one nobody has set yet (a person sets it, and
        the deliveries then meet it or not)."""
        return self.open is None or self.open > 0


class NeedDelivery(db.Model):
    """What an agency (or a donor) delivered against a need."""

    __tablename__ = "need_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    donor: Mapped[str | None] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship(back_populates="deliveries")
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("agency_id IS NOT NULL OR donor IS NOT NULL", name="by_someone"),
    )
