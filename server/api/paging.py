"""Offset paging for every list: ``?page=&page_size=``, totals and next/prev links in the body."""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_smorest import abort

from server.extensions import db


def page_size(requested: int | None) -> int:
    settings = current_app.config["FIELDSYNC"]
    maximum = int(settings["PAGE_SIZE_MAX"])
    if requested is None:
        return min(int(settings["PAGE_SIZE_DEFAULT"]), maximum)
    if requested > maximum:
        abort(
            422,
            message=f"page_size may be at most {maximum}.",
            errors={"page_size": [f"Must be between 1 and {maximum}."]},
        )
    return requested


def _link(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(number)
    return url_for(request.endpoint, _external=False, **(request.view_args or {}), **args)


def _info(page: int, size: int, total: int) -> dict:
    pages = max(1, math.ceil(total / size))
    return {
        "number": page,
        "size": size,
        "total_items": total,
        "total_pages": pages,
        "next": _link(page + 1) if page < pages else None,
        "prev": _link(page - 1) if 1 < page <= pages + 1 else None,
    }


def paginate_list(items: list, *, page: int, size: int | None) -> tuple[list, dict]:
    """One page of a list computed in Python (e.g. a roster), with the same page info."""
    size = page_size(size)
    return items[(page - 1) * size : page * size], _info(page, size, len(items))


def paginate(query: sa.Select, *, page: int, size: int | None) -> tuple[list, dict]:
    """Run ``query`` (ordered by the caller) for one page; return the rows and the page info."""
    size = page_size(size)
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    offset = (page - 1) * size
    # a page past the end is empty without asking: its offset may not even fit the database's
    # integers (?page=99999999999999999999)
    rows = (
        list(db.session.execute(query.limit(size).offset(offset)).unique().scalars())
        if offset < total
        else []
    )
    return rows, _info(page, size, total)
