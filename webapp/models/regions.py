"""Places: Kemendagri regions (provinsi to desa) and the dusun people name inside a desa."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

REGION_LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")


class Region(db.Model):
    """A Kemendagri region, keyed by its full dotted code (``35.14.19.2008``)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    # A kecamatan: the languages its people write SMS in (codes of sms/languages, comma-separated); none: all.
    languages: Mapped[str | None] = mapped_column(String(60))
    # A kecamatan's position (its office or centre), for matching BMKG warning polygons and earthquake radii.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Region | None] = relationship(remote_side=[code])

    __table_args__ = (CheckConstraint(level.in_(REGION_LEVELS), name="level"),)

    @property
    def is_kelurahan(self) -> bool:
        """Desa-level codes whose fourth segment starts with 1 are kelurahan, the rest desa."""
        return self.level == "desa" and self.code.split(".")[3].startswith("1")

    @property
    def label(self) -> str:
        """The name as people say it: ``Desa Sumberrejo``, ``Kecamatan Winongan``, ``Kabupaten Pasuruan``."""
        if self.level == "desa":
            return desa_label(self.code, self.name)
        if self.level == "kecamatan":
            return "Kecamatan " + self.name
        return self.name

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


def desa_label(code: str, name: str) -> str:
    """ "Desa Sumberrejo", "Kelurahan Pohjentrek": a desa-level code whose fourth segment starts with 1 is a
    kelurahan."""
    return ("Kelurahan " if code.split(".")[3].startswith("1") else "Desa ") + name


DUSUN_SOURCES = ("csv", "petugas")


class Dusun(db.Model):
    """A dusun, kampung or dukuh of a desa, as villagers name it ("dusun Krajan", "kampung Jimamun"), with other
    spellings; the parser reads a name unique in the kecamatan as its desa."""

    __tablename__ = "dusun"

    id: Mapped[int] = mapped_column(primary_key=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    aliases: Mapped[str | None] = mapped_column(String(300))  # other spellings, separated by ";"
    source: Mapped[str] = mapped_column(String(10), default="petugas")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("desa_code", "name", name="uq_dusun_desa_code_name"),
        CheckConstraint(source.in_(DUSUN_SOURCES), name="source"),
    )

    @property
    def names(self) -> list[str]:
        return [self.name, *[a.strip() for a in (self.aliases or "").split(";") if a.strip()]]
