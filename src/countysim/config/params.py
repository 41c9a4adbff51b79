"""Declared parameters: every config field carries its range, unit, description and source.

TLOmodel-style: a parameter is declared once with a type, a one-line description and its
allowed range; validation and the generated docs both read this declaration.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import field
from typing import Any


class ConfigError(ValueError):
    """A configuration value is outside its allowed range or of the wrong type."""


MAX_SEED = 2**31 - 1  # the store's integer column (PostgreSQL INTEGER) holds it


def _num(v: float) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str = "",
    help: str = "",
    source: str = "",
    length: int | None = None,
    sums_to_one: bool = False,
) -> Any:
    """Declare a config field with its allowed range [lo, hi], unit, description and source."""
    meta = {
        "lo": lo,
        "hi": hi,
        "unit": unit,
        "help": help,
        "source": source,
        "length": length,
        "sums_to_one": sums_to_one,
    }
    if isinstance(default, list):
        value = list(default)
        return field(default_factory=lambda: list(value), metadata=meta)
    return field(default=default, metadata=meta)


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi, unit = meta.get("lo"), meta.get("hi"), meta.get("unit") or ""
    suffix = f" {unit}" if unit and unit != "share" else ""
    if lo is not None and hi is not None:
        return f"in [{_num(lo)}, {_num(hi)}]{suffix}"
    if lo is not None:
        return f"≥ {_num(lo)}{suffix}"
    if hi is not None:
        return f"≤ {_num(hi)}{suffix}"
    return "any value"


def _type_ok(value: Any, tp: Any) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in typing.get_args(tp))
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if origin is list:
        (inner,) = typing.get_args(tp) or (Any,)
        return isinstance(value, list | tuple) and all(_type_ok(v, inner) for v in value)
    if dataclasses.is_dataclass(tp):
        return dataclasses.is_dataclass(value)
    return True


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def rule_of(root: type, dotted: str) -> str | None:
    """'must be <type> <range>' for a declared field of a dataclass tree, or None."""
    cls: Any = root
    for part in dotted.split("."):
        if not dataclasses.is_dataclass(cls):
            return None
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if part not in fields:
            return None
        f, tp = fields[part], hints.get(part, Any)
        cls = tp
    meta = f.metadata
    rng = _range_text(meta) if meta else "any value"
    return f"must be {_type_name(tp)} {rng}".replace(" any value", "")


def validate(obj: Any, path: str) -> None:
    """Check every declared field of a dataclass tree; raise ConfigError at the first bad one."""
    hints = typing.get_type_hints(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{path}.{f.name}" if path else f.name
        tp = hints.get(f.name, Any)
        if not _type_ok(value, tp):
            raise ConfigError(f"{name} = {value!r}: must be of type {_type_name(tp)}")
        if dataclasses.is_dataclass(value):
            validate(value, name)
            continue
        meta = f.metadata
        if not meta:
            continue
        values = list(value) if isinstance(value, list | tuple) else [value]
        want = meta.get("length")
        if want is not None and len(values) != want:
            raise ConfigError(f"{name} = {value!r}: must have exactly {want} entries")
        lo, hi = meta.get("lo"), meta.get("hi")
        for v in values:
            if isinstance(v, int | float) and not isinstance(v, bool):
                bad = not math.isfinite(v) or (lo is not None and v < lo)
                bad = bad or (hi is not None and v > hi)
                if bad:
                    raise ConfigError(f"{name} = {value!r}: must be {_range_text(meta)}")
        if meta.get("sums_to_one") and abs(sum(values) - 1.0) > 1e-9:
            raise ConfigError(
                f"{name} = {value!r}: shares must sum to 1 (they sum to {sum(values):g})"
            )
    check = getattr(obj, "check", None)
    if callable(check):
        check(path)


def describe(cls: type) -> list[dict[str, Any]]:
    """Rows (name, default, range, unit, help, source) for the docs of a config dataclass."""
    rows = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = None
        meta: Mapping[str, Any] = f.metadata or {}
        rows.append(
            {
                "name": f.name,
                "default": default,
                "range": _range_text(meta) if meta else "",
                "unit": meta.get("unit", ""),
                "help": meta.get("help", ""),
                "source": meta.get("source", ""),
            }
        )
    return rows
