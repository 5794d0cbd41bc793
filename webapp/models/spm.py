"""SPM sub-urusan bencana: residents in hazard-prone areas, preparedness activities, and desa information."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, hazard_check, utcnow
from .people import (
    User,
)
from .regions import Region

PREPAREDNESS_KINDS = ("sosialisasi", "gladi", "pelatihan", "rencana_kontinjensi", "kajian_risiko", "peralatan")


class HazardPopulation(db.Model):
    """The SPM denominator: residents of a desa living in areas prone to one hazard, with where the figure comes
    from (a BPBD study, an InaRISK export, the desa's own count) and its year."""

    __tablename__ = "hazard_population"

    id: Mapped[int] = mapped_column(primary_key=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    hazard: Mapped[str] = mapped_column(String(20))
    people: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(SmallInteger)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("desa_code", "hazard", name="uq_hazard_population_desa_code_hazard"),
        CheckConstraint("people >= 0", name="people"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        hazard_check(hazard),
    )


class PreparednessActivity(db.Model):
    """One preparedness or information activity of a desa (face to face counts): a sosialisasi/KIE session, a
    drill, a training, a contingency plan or risk study, equipment; once per ``key`` (the offline outbox may send
    it again)."""

    __tablename__ = "preparedness_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    hazard: Mapped[str | None] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    participant_names: Mapped[str | None] = mapped_column(Text)  # the attendance list, when there is one
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship(foreign_keys=[desa_code])
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(kind.in_(PREPAREDNESS_KINDS), name="kind"),
        CheckConstraint("participants >= 0", name="participants"),
        hazard_check(hazard),
    )


DESTANA_LEVELS = ("pratama", "madya", "utama")  # Perka BNPB 1/2012


class DesaInfo(db.Model):
    """What a desa wants every citizen to know before and during a disaster, kept by its official or the
    kecamatan and shown on the public page: where to gather and shelter, whom to call, its Destana level."""

    __tablename__ = "desa_info"

    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    evacuation_points: Mapped[str | None] = mapped_column(Text)  # titik kumpul / tempat evakuasi, one per line
    emergency_numbers: Mapped[str | None] = mapped_column(Text)  # public numbers (posko, Puskesmas), one per line
    destana_level: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    desa: Mapped[Region] = relationship()

    __table_args__ = (CheckConstraint(destana_level.in_(DESTANA_LEVELS), name="destana_level"),)
