"""Checking JSON bodies against the schemas of the server's OpenAPI 3.0 document.

A small validator for the part of OpenAPI 3.0's schema language that the document uses
(``$ref``, ``type``, ``nullable``, ``properties``, ``required``, ``additionalProperties``,
``items``, ``enum``, ``pattern``, ``format: date-time``, ``maxLength``, ``minItems``/``maxItems``,
``minimum``/``maximum``/``exclusiveMinimum``, ``oneOf``, ``anyOf``, ``allOf``), so that a test
can hold a real answer to what a client generated from the document would accept.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
}


def problems(doc: dict, schema: dict, value: Any, path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (a schema of ``doc``), as ``path: reason``."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return problems(doc, doc["components"]["schemas"][name], value, path)
    if value is None:
        if schema.get("nullable") or _any_nullable(doc, schema):
            return []
        if not schema:  # {}: anything
            return []
        return [f"{path}: null is not allowed"]
    out: list[str] = []
    if "oneOf" in schema or "anyOf" in schema:
        options = schema.get("oneOf") or schema.get("anyOf")
        matching = [o for o in options if not problems(doc, o, value, path)]
        if not matching:
            out.append(f"{path}: matches none of {_names(options)}")
        elif "oneOf" in schema and len(matching) > 1:
            out.append(f"{path}: matches more than one of {_names(matching)}")
    for part in schema.get("allOf", ()):
        out += problems(doc, part, value, path)
    kind = schema.get("type")
    if kind is not None and not _is(kind, value):
        return out + [f"{path}: {value!r} is not of type {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(f"{path}: longer than {schema['maxLength']}")
        if schema.get("format") == "date-time":
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                out.append(f"{path}: {value!r} is not a date-time")
            else:
                if parsed.tzinfo is None:
                    out.append(f"{path}: {value!r} has no zone")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema:
            low = schema["minimum"]
            if value < low or (schema.get("exclusiveMinimum") and value == low):
                out.append(f"{path}: {value} is below the minimum {low}")
        if "maximum" in schema and value > schema["maximum"]:
            out.append(f"{path}: {value} is above the maximum {schema['maximum']}")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(f"{path}: more than {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(f"{path}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            out += problems(doc, schema.get("items", {}), item, f"{path}[{index}]")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                out.append(f"{path}: {name} is missing")
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                out += problems(doc, properties[name], item, f"{path}.{name}")
            elif extra is False:
                out.append(f"{path}: {name} is not allowed")
            elif isinstance(extra, dict):
                out += problems(doc, extra, item, f"{path}.{name}")
    return out


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def _any_nullable(doc: dict, schema: dict) -> bool:
    for option in [*schema.get("anyOf", ()), *schema.get("oneOf", ())]:
        if "$ref" not in option and option.get("nullable"):
            return True
    return False


def _names(options: list[dict]) -> list[str]:
    return [o.get("$ref", "").rsplit("/", 1)[-1] or o.get("type", "?") for o in options]


def schema_ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}
