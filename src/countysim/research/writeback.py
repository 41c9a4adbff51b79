"""Writing a calibration's fit back into the configs as the new defaults.

A parameter of config.yaml (`care.oop_log`) is written on its line in that file; a policy's
parameter (`secondment.presence_capability`), which only the runs with that policy compose,
is written in the one file of its config group that sets it (configs/secondment/rotation.yaml).
Each written line carries the comment `calibrated: <study> (<date>)`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from countysim.config.params import ConfigError
from countysim.research.spaces import Free


def param_overrides(base: Sequence[str], params: dict[str, float]) -> list[str]:
    """Hydra overrides setting `params` (list elements merged into the composed list).

    A parameter whose key the composed config lacks is left out: a policy's parameter
    (secondment.*) applies only to runs with that policy. `evaluate` checks each one
    applies to some run."""
    from countysim.config.compose import compose_config

    cfg = compose_config(list(base))[0]
    scalars: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    for key, value in params.items():
        free = Free(key, 0.0, 0.0)
        if OmegaConf.select(cfg, free.base, default=None) is None:
            continue
        if free.index is None and not free.scale:
            scalars[key] = value
            continue
        if free.scale:
            if any(k != key and Free(k, 0, 0).base == free.base for k in params):
                raise ConfigError(f"{key}: a list is scaled or set element-wise, not both")
            lists[free.base] = [float(x) * value for x in OmegaConf.select(cfg, free.base)]
            continue
        index = free.index
        assert index is not None  # neither a scalar nor a scale: one element
        current = lists.setdefault(free.base, list(OmegaConf.select(cfg, free.base)))
        current[index] = value
    out = [f"{k}={v!r}" for k, v in scalars.items()]
    out += [f"{k}=[{','.join(repr(float(x)) for x in v)}]" for k, v in lists.items()]
    return out


def fitted_values(base: Sequence[str], params: dict[str, float]) -> dict[str, Any]:
    """Config key -> value to write (list keys merged with their other elements); a
    parameter the base config lacks (a policy's) is kept as it is."""
    out: dict[str, Any] = {}
    for o in param_overrides(base, params):
        key, _, shown = o.partition("=")
        out[key] = json.loads(shown) if shown.startswith("[") else float(shown)
    for key, fitted in params.items():
        if key not in out and key.split("[")[0] not in out:
            if "[" in key:
                raise ConfigError(f"{key}: a list element of a policy parameter cannot be written")
            out[key] = float(fitted)
    return out


def _line(text: list[str], section: str | None, name: str) -> int | None:
    """Index of `name:` in the top-level block `section:` (2-space keys), or at top level."""
    if section is None:
        return next((i for i, ln in enumerate(text) if re.match(rf"{re.escape(name)}:", ln)), None)
    start = next(
        (i for i, ln in enumerate(text) if re.match(rf"{re.escape(section)}:\s*(#.*)?$", ln)),
        None,
    )
    if start is None:
        return None
    for i in range(start + 1, len(text)):
        if text[i] and not text[i].startswith(" "):
            return None
        if re.match(rf"  {re.escape(name)}:", text[i]):
            return i
    return None


def write_defaults(
    path: Path, values: dict[str, Any], study: str, top_level: bool = False
) -> list[str]:
    """Write fitted values into a config YAML, each with the comment `calibrated: <study>
    (<date>)`; returns the keys written. Keys are `section.key` (a 2-space key of a
    top-level block), or with `top_level` the file's own top-level keys (a group file)."""
    text = path.read_text().splitlines()
    stamp = f"# calibrated: {study} ({dt.date.today().isoformat()})"
    written = []
    for key, value in values.items():
        if top_level:
            section, name, indent = None, key.rpartition(".")[2], ""
        else:
            section, _, name = key.partition(".")
            indent = "  "
            if not name or "." in name:
                raise ConfigError(f"{key}: not a `section.key` line of {path.name}")
        row = _line(text, section, name)
        if row is None:
            raise ConfigError(f"{key}: not found in {path.name}")
        shown = (
            "[" + ", ".join(f"{float(v):.4g}" for v in value) + "]"
            if isinstance(value, list)
            else f"{float(value):.4g}"
        )
        text[row] = f"{f'{indent}{name}: {shown}':<38} {stamp}"  # YAML: a space before the #
        written.append(key)
    path.write_text("\n".join(text) + "\n")
    return written


def group_file(config_dir: Path, key: str) -> Path:
    """The one file of group `section` (configs/<section>/*.yaml) that sets `key`'s name at
    top level; a one-line error if none or several do."""
    section, _, name = key.partition(".")
    found = [
        p
        for p in sorted((config_dir / section).glob("*.yaml"))
        if name in (OmegaConf.load(p) or {})
    ]
    if len(found) != 1:
        where = ", ".join(p.name for p in found) or "none"
        raise ConfigError(
            f"{key}: not in config.yaml, and {len(found)} files of configs/{section}/ set "
            f"{name} ({where}); need exactly one"
        )
    return found[0]


def write_fit(config_dir: Path, values: dict[str, Any], study: str) -> dict[Path, list[str]]:
    """Write every fitted value: config.yaml's own keys there, a policy's in its group's
    file. Every file is resolved before any is written. Returns keys written per file."""
    main = config_dir / "config.yaml"
    top = OmegaConf.load(main)
    plan: dict[Path, dict[str, Any]] = {}
    for key, value in values.items():
        own = OmegaConf.select(top, key.split("[")[0], default=None) is not None
        plan.setdefault(main if own else group_file(config_dir, key), {})[key] = value
    return {
        path: write_defaults(path, vals, study, top_level=path != main)
        for path, vals in plan.items()
    }
