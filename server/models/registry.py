"""The map the bureau links against: station areas, enterprises, new projects, must-visit people."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import sqlalchemy as sa
from geoalchemy2.shape import to_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import (
    Base,
    Timestamped,
    geometry,
    register_spatialite_index,
    spatial_indexes,
)
from server.models.syncable import Syncable


class Spatial:
    """``geometry``: the row's geometry column as a Shapely object (the one conversion seam)."""

    geometry_column: ClassVar[str]

    @property
    def geometry(self) -> BaseGeometry | None:
        value = getattr(self, self.geometry_column)
        if value is None:
            return None
        if isinstance(value, BaseGeometry):
            return value
        return to_shape(value)


class Station(Spatial, Timestamped, Base):
    """乡镇环境管理站: a township environmental station and its jurisdiction."""

    __tablename__ = "station"
    geometry_column = "area"
    __table_args__ = spatial_indexes("station", "area", geography=False)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    area = geometry("MULTIPOLYGON")
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)


class Enterprise(Spatial, Timestamped, Base):
    """A mapped enterprise (企业), identified by its unified social credit code."""

    __tablename__ = "enterprise"
    geometry_column = "location"
    __table_args__ = spatial_indexes("enterprise", "location", geography=True)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    location = geometry("POINT")
    industry: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    pollutants: Mapped[list[str]] = mapped_column(sa.JSON, default=list, nullable=False)
    is_key: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    contact_name: Mapped[str | None] = mapped_column(sa.String(100))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    station: Mapped[Station | None] = relationship(lazy="joined")


class Project(Spatial, Timestamped, Base):
    """新建项目: a construction project with an environmental impact approval."""

    __tablename__ = "project"
    geometry_column = "footprint"
    __table_args__ = spatial_indexes("project", "footprint", geography=True)

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_number: Mapped[str] = mapped_column(sa.String(100), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    footprint = geometry("GEOMETRY")
    status: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    approved_on: Mapped[date | None] = mapped_column(sa.Date)
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    developer: Mapped[str | None] = mapped_column(sa.String(200))
    station_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)

    station: Mapped[Station | None] = relationship(lazy="joined")


class Person(Spatial, Syncable, Timestamped, Base):
    """五个必访: someone who must be visited each outreach round."""

    __tablename__ = "person"
    geometry_column = "location"
    __table_args__ = spatial_indexes("person", "location", geography=True)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    location = geometry("POINT", nullable=True)
    station_id: Mapped[int] = mapped_column(
        sa.ForeignKey("station.id", ondelete="RESTRICT"), index=True, nullable=False
    )

    station: Mapped[Station] = relationship(lazy="joined")


register_spatialite_index(Station.__table__, "area")
register_spatialite_index(Enterprise.__table__, "location")
register_spatialite_index(Project.__table__, "footprint")
register_spatialite_index(Person.__table__, "location")
