"""Scripted offline sessions for the reference client (framework-free; the CLI wraps it).

A script is a list of actions, as a tester or a demo would describe a day in the field::

    [{"do": "create", "entity": "visit", "fields": {...}, "as": "v1"},
     {"do": "update", "entity": "visit", "record_id": "$v1", "fields": {...}},
     {"do": "sync"}]

``"as"`` names the id a ``create`` produced; later actions refer to it as ``"$name"`` in
``record_id`` or anywhere inside ``fields`` (a string that is exactly ``"$name"`` for a known
name). An unknown ``$name`` in ``record_id`` is an error; inside ``fields`` a string that names
no alias is left alone, since free text like ``"$5 fine"`` is ordinary data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync.client import DeviceClient

__all__ = ["ACTIONS", "ScriptError", "ScriptRun", "run_actions"]

ACTIONS: tuple[str, ...] = ("register", "create", "update", "delete", "push", "pull", "sync")


class ScriptError(ValueError):
    """A script action is malformed; the message names its position."""


@dataclass
class ScriptRun:
    """What a script did: the ids named with ``as`` and each action's result, in order."""

    names: dict[str, str] = field(default_factory=dict)
    outputs: list[object] = field(default_factory=list)


def _resolve(value: Any, names: Mapping[str, str]) -> Any:
    if isinstance(value, str) and value.startswith("$") and value[1:] in names:
        return names[value[1:]]
    if isinstance(value, Mapping):
        return {key: _resolve(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, names) for item in value]
    return value


def _require(action: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in action:
        raise ScriptError(f"{where}: {action.get('do')!r} needs {key!r}")
    return action[key]


def _record_id(action: Mapping[str, Any], names: Mapping[str, str], where: str) -> str:
    raw = str(_require(action, "record_id", where))
    if raw.startswith("$"):
        if raw[1:] not in names:
            raise ScriptError(f"{where}: no earlier action was named {raw[1:]!r}")
        return names[raw[1:]]
    return raw


def run_actions(client: DeviceClient, actions: Sequence[Mapping[str, Any]]) -> ScriptRun:
    """Run ``actions`` in order on ``client``; stops at the first failure (raising it)."""
    run = ScriptRun()
    for index, action in enumerate(actions):
        where = f"action {index + 1}"
        do = action.get("do") if isinstance(action, Mapping) else None
        if do not in ACTIONS:
            raise ScriptError(f"{where}: unknown action {do!r}; expected one of {ACTIONS}")
        fields = _resolve(action.get("fields") or {}, run.names)
        output: object
        if do == "register":
            output = client.register(
                str(_require(action, "username", where)),
                str(_require(action, "password", where)),
                str(action.get("name") or "scripted device"),
            )
        elif do == "create":
            record_id = action.get("record_id")
            output = client.create(
                str(_require(action, "entity", where)),
                fields,
                record_id=None if record_id is None else _record_id(action, run.names, where),
            )
            if action.get("as"):
                run.names[str(action["as"])] = str(output)
        elif do == "update":
            output = client.update(
                str(_require(action, "entity", where)),
                _record_id(action, run.names, where),
                fields,
            )
        elif do == "delete":
            output = client.delete(
                str(_require(action, "entity", where)), _record_id(action, run.names, where)
            )
        elif do == "push":
            output = client.push()
        elif do == "pull":
            output = client.pull()
        else:
            output = client.sync()
        run.outputs.append(output)
    return run
