"""Columns every record that devices sync carries (DESIGN §4).

* ``uid``: the record id devices know it by (a UUID a device generates when it creates one).
* ``version``: bumped on every change; a device's mutation names the version it was based on.
* ``sync_seq``: position in the commit-ordered change feed; rewritten on every change, so a pull
  of ``sync_seq > cursor`` returns each changed record once, in its latest state.
* ``origin_device_id``: the device whose change this is, so it is not pulled back as news.
* ``station_id``: whose scope the record is in.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class Syncable:
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True, index=True, nullable=False)
    version: Mapped[int] = mapped_column(sa.Integer, default=1, nullable=False)
    sync_seq: Mapped[int] = mapped_column(sa.BigInteger, index=True, nullable=False)

    @declared_attr
    def origin_device_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("device.id", ondelete="SET NULL"), nullable=True)
