"""Composing a config from configs/ with Hydra overrides, refusing bad input in one line.

compose_config() checks the overrides (duplicates, unknown `+keys`, unparsable values),
composes with Hydra's compose API and turns every Hydra/OmegaConf failure into a
ConfigError whose one line names the field (and its allowed range); build() types the
config, validates every declared range and instantiates one policy per slot.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from countysim.config.params import ConfigError, rule_of, validate
from countysim.config.schema import Config, register_configs
from countysim.policies import Policy

POLICY_GROUPS = ("payment", "secondment", "triage")
NOT_SCENARIO = ("seed", "store", "sim.progress")


def config_dir() -> str:
    """Absolute path of the Hydra config directory (installed copy, else the repo's)."""
    pkg = Path(__file__).resolve().parents[1]  # countysim/
    for cand in (pkg / "configs", pkg.parents[1] / "configs"):
        if (cand / "config.yaml").is_file():
            return str(cand)
    raise FileNotFoundError("countysim configs/ not found next to the package or the repo")


def _flat_keys(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, DictConfig):
        out = []
        for k in node:
            out += _flat_keys(node[str(k)], f"{prefix}.{k!s}" if prefix else str(k))
        return out
    return [prefix]


@functools.cache
def _known_keys() -> tuple[str, ...]:
    """Dotted keys of the default config and the names of the config groups."""
    groups = [p.name for p in Path(config_dir()).iterdir() if p.is_dir() and p.name != "hydra"]
    return tuple(_flat_keys(compose_config(())[0]) + groups)


@functools.cache
def _group_options() -> dict[str, list[str]]:
    """Each config group's options (YAML files), base_* schema nodes left out."""
    root = Path(config_dir())
    return {
        d.name: sorted(p.stem for p in d.glob("*.yaml"))
        for d in sorted(root.iterdir())
        if d.is_dir() and d.name != "hydra"
    }


def _optional_groups() -> set[str]:
    """Config groups outside the defaults list, added with + (+package=..., +experiment=...,
    +remoteness=...)."""
    return {"package", "experiment", "remoteness"}


def check_overrides(overrides: Sequence[str]) -> None:
    """Refuse what Hydra would silently accept: a key given twice (the last would win), a
    `+key` the schema does not know (it would only add an unused value), and `package=`
    without its `+`. One line each, naming the key and the closest known one. (`+` on a
    policy's parameter, e.g. +triage.day=20 after swapping its _target_, is checked by the
    policy class itself when build() instantiates it.)"""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.append(parser.parse_override(text))
        except HydraException as exc:
            reason = str(exc).strip().splitlines()[0]
            raise ConfigError(
                f"{text}: cannot parse it ({reason}); write key=value, lists as [a,b], "
                "strings with spaces in quotes"
            ) from None
    groups = _group_options()
    seen: dict[str, str] = {}
    for o in parsed:
        key = o.key_or_group
        if not key:
            raise ConfigError(f"{o.input_line}: no key before '='; write key=value")
        if key.startswith("hydra"):
            continue
        if key in groups and not o.is_delete() and not isinstance(o.value(), str | list):
            raise ConfigError(
                f"{key}={o.value()}: {key} takes one of its options: {', '.join(groups[key])}"
            )
        if key in seen:
            raise ConfigError(
                f"{key}: given twice ({seen[key]} and {o.input_line}); give each key once"
            )
        seen[key] = str(o.input_line)
        if o.is_add() or o.is_force_add():
            if key in _optional_groups():
                continue
            if key.partition(".")[0] in POLICY_GROUPS and "." in key:
                continue  # a policy's own parameter: its class refuses unknown ones in build()
            known = _known_keys()
            if key in known:
                raise ConfigError(f"+{key}: already in the config; set it without +: {key}=...")
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(
                f"+{key}: unknown config key (+ only adds +package=..., +experiment=... or "
                f"+remoteness=...){hint}"
            )
        if key in _optional_groups() and not o.is_delete():
            raise ConfigError(f"{key}={o.value()}: {key} is added with +: +{o.input_line}")


def compose_config(overrides: Sequence[str] = ()) -> tuple[DictConfig, dict[str, str]]:
    """Compose the config from configs/ with Hydra overrides; also the chosen group options.

    Raises ConfigError for a duplicated key or an unknown `+key` (check_overrides)."""
    check_overrides(overrides)
    register_configs()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError, TypeError) as exc:
        raise ConfigError(one_line(exc)) from None
    finally:
        GlobalHydra.instance().clear()
    choices = {k: str(v) for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra")}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices


def _fields_of(dotted: str) -> list[str]:
    """Field names of the config node at `dotted` in the default config (for error hints)."""
    try:
        node: Any = compose_config(())[0]
        for part in dotted.split("."):
            node = node[part]
        return [str(k) for k in node]
    except Exception:  # a hint only; never mask the original error
        return []


def one_line(exc: BaseException) -> str:
    """A one-line description of a configuration error, naming the field."""
    if isinstance(exc, ConfigError):
        return str(exc)
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else type(exc).__name__
    missing = re.search(r"Could not find '([\w/]+)/(\w+)'", text)
    if missing:
        group, option = missing.groups()
        avail = re.search(r"Available options in '[\w/]+':\s*((?:\s*\w+)+)", text)
        names = [n for n in (avail.group(1).split() if avail else []) if not n.startswith("base_")]
        if "Config" in names:
            names = names[: names.index("Config")]
        close = difflib.get_close_matches(option, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{group}={option}: unknown option; {hint}available: {', '.join(names)}"
    unknown = re.search(r"Could not override '([\w.]+)'", text)
    if unknown:
        key = unknown.group(1)
        parent, _, leaf = key.rpartition(".")
        allowed = _fields_of(parent) if parent else []
        hint = f"; fields of {parent}: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown config field '{leaf}'{hint}"
    merging = re.search(r"Error merging override (\S+)", text)
    if merging:
        cause = exc.__cause__
        reason = str(cause).strip().splitlines()[0] if cause else ""
        key = getattr(cause, "full_key", None) or merging.group(1).split("=")[0]
        rule = rule_of(Config, str(key))
        tail = f"; {rule}" if rule else ""
        return f"{key}: {reason or 'invalid value'} ({merging.group(1)}){tail}"
    composing = re.search(r"In '([\w/]+)': \w+ raised while composing config:", text)
    if composing and len(lines) > 1:
        full = re.search(r"full_key: ([\w.]+)", text)
        key = full.group(1) if full else "?"
        rule = rule_of(Config, key) if full else None
        where = f" (in configs/{composing.group(1)}.yaml)"
        return f"{key}: {lines[1]}{where}{'; ' + rule if rule else ''}"
    key = getattr(exc, "full_key", None)
    if key and key not in first:
        first = f"{key}: {first}"
    return first


def build(cfg: DictConfig) -> tuple[Config, list[Policy]]:
    """Typed Config and instantiated policies from a composed config; raises ConfigError."""
    try:
        typed = OmegaConf.to_object(cfg)
    except (OmegaConfBaseException, HydraException, ValueError, TypeError) as exc:
        raise ConfigError(one_line(exc)) from None
    if not isinstance(typed, Config):
        raise ConfigError("config root is not a countysim Config")
    validate(typed, "")
    policies: list[Policy] = []
    for group in POLICY_GROUPS:
        node = getattr(typed, group)
        if not isinstance(node, dict) or "_target_" not in node:
            raise ConfigError(
                f"{group}: needs a _target_ policy class (choose an option of {group}/)"
            )
        _check_slot(group, str(node["_target_"]))
        try:
            policy = instantiate(node, _convert_="all")
        except Exception as exc:  # hydra wraps the constructor's TypeError
            msg = str(exc).splitlines()[0]
            cause = exc.__cause__ or exc
            if "unexpected keyword argument" in str(cause):
                field_name = str(cause).rsplit("argument", 1)[-1].strip(" '\"")
                msg = f"{group}.{field_name}: unknown parameter of {node['_target_']}"
            raise ConfigError(msg) from None
        validate(policy, group)
        start = getattr(policy, "start_year", 0)
        if start >= typed.sim.years:
            raise ConfigError(
                f"{group}.start_year = {start}: the run has {typed.sim.years} years "
                f"(sim.years), so the policy would never switch on; allowed: "
                f"0..{typed.sim.years - 1}"
            )
        policies.append(policy)
    return typed, policies


def _check_slot(group: str, target: str) -> None:
    """Each slot takes only its kind of policy (class attribute `slot`), said in one line."""
    from hydra.utils import get_class

    try:
        cls = get_class(target)
    except Exception:
        raise ConfigError(f"{group}._target_ = {target}: no such class") from None
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise ConfigError(f"{group}._target_ = {target}: not a countysim policy")
    kind = getattr(cls, "slot", "any")
    if kind != group and not (kind == "any" and group != "payment"):
        fits = "any slot but payment" if kind == "any" else f"the {kind} slot"
        raise ConfigError(
            f"{group}._target_ = {target}: a {kind} policy goes in {fits}; "
            f"the {group} slot takes a {group} policy (choose an option of {group}/)"
        )


def scenario_of(cfg: DictConfig) -> tuple[str, dict[str, Any]]:
    """(stable key, flat parameters) of a config without seed/store/output settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k in sorted(node):
                walk(node[k], f"{prefix}.{k}" if prefix else str(k))
        else:
            flat[prefix] = node

    walk(data, "")
    flat = {
        k: v
        for k, v in flat.items()
        if not any(k == n or k.startswith(n + ".") for n in NOT_SCENARIO)
    }
    key = hashlib.sha256(json.dumps(flat, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return key, flat
