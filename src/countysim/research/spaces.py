"""The calibration's free parameters: named spaces of config keys with their bounds
(`countysim-calibrate --space levels,behaviour`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from countysim.config.params import ConfigError


@dataclass(frozen=True)
class Free:
    """A free parameter: a config key (or one element of a list-valued key) and its bounds."""

    # e.g. "care.oop_log", "care.inpatient_constant[2]" (one element), or
    # "demand.inpatient_per_year[*]" (a factor on every element of the list, 1 = as configured)
    key: str
    low: float
    high: float

    @property
    def base(self) -> str:
        return self.key.split("[", 1)[0]

    @property
    def scale(self) -> bool:
        """A factor on every element of a list-valued key."""
        return self.key.endswith("[*]")

    @property
    def index(self) -> int | None:
        if "[" not in self.key or self.scale:
            return None
        return int(self.key.split("[", 1)[1].rstrip("]"))


# the level constants (village outpatient is the reference, 0)
LEVEL_CONSTANTS = (
    Free("care.outpatient_constant[1]", -1.5, 0.8),
    Free("care.outpatient_constant[2]", -1.5, 0.8),
    Free("care.outpatient_constant[3]", -3.0, 0.0),
    Free("care.inpatient_constant[1]", -0.5, 2.5),
    Free("care.inpatient_constant[2]", -0.5, 2.5),
    Free("care.inpatient_constant[3]", 0.5, 3.5),
)

SPACES: dict[str, tuple[Free, ...]] = {
    # the level constants alone (village outpatient is the reference, 0): they set where
    # care happens (today's were fitted with the travel weight, space `travel`)
    "levels": LEVEL_CONSTANTS,
    # the travel weight, fitted with the level constants it shifts (the distance gradient
    # and the levels: `--space travel --targets levels,gradient county.residents=400000`)
    "travel": (Free("care.travel_per_hour", 0.3, 2.0), *LEVEL_CONSTANTS),
    # care-seeking weights and trust learning (estimates)
    "behaviour": (
        Free("care.travel_per_hour", 0.3, 3.0),
        Free("care.travel_scale_min", 15.0, 240.0),  # concave travel (null: linear, not fitted)
        Free("care.oop_log", 0.1, 1.5),
        Free("care.trust_weight", 0.5, 4.0),
        Free("care.undertreat_weight", 0.5, 3.0),
        Free("care.trust_learning_rate", 0.02, 0.4),
    ),
    # graded triage: how much the rule puts patients off going straight, and how freely
    # township centres refer when asked (estimates)
    "gatekeeping": (
        Free("triage.bypass_disutility", 0.0, 3.0),
        Free("triage.referral_on_request", 0.0, 1.0),
    ),
    # providers' decision rules: how readily facilities admit outpatients they could treat
    # as such (`admission`; its norm is 0, so the decision is all response to the margin),
    # fitted with what sets the other admissions: the inpatient demand (a factor on every age
    # band) and the inpatient level constants (estimates)
    "providers": (
        Free("providers.sensitivity[0]", 0.0, 0.15),
        Free("demand.inpatient_per_year[*]", 0.7, 1.1),
        Free("care.inpatient_constant[1]", -0.5, 2.5),
        Free("care.inpatient_constant[2]", -0.5, 2.5),
        Free("care.inpatient_constant[3]", 0.5, 3.5),
    ),
    # how readily county hospitals send convalescent inpatients down (`down_referral`; its
    # norm 0.02 is what a hospital with no stake would do), against the national share sent
    # down to primary care
    "referral": (Free("providers.sensitivity[2]", 0.0, 0.5),),
    # the share of an inpatient bill inside the drug and service list, on which the in-list
    # ratios are paid (no source gives it for the resident scheme), against the fund balance
    "insurance": (Free("insurance.in_list_share", 0.5, 0.95),),
    # what secondment does to a township centre (estimates)
    "secondment": (
        Free("secondment.presence_capability", 0.1, 1.5),
        Free("secondment.skill_transfer_rate", 0.0001, 0.003),
        Free("care.capability_weight", 0.0, 5.0),  # how much patients value capability
        Free("county.key_centre_capability", 0.1, 1.2),  # the key centres before support
        Free("care.reputation_lag_days", 0.0, 1460.0),  # word of mouth, up to four years
    ),
}
# the travel weight and secondment at once: the distance gradient wants travel cheap and
# Tucheng's growth wants it dear when each is fitted alone (docs/validation.md), so the two
# are fitted together (`--space joint --targets levels,gradient,cases`)
SPACES["joint"] = SPACES["travel"] + SPACES["secondment"]


def inside(free: Sequence[Free], key: str, value: float) -> bool:
    """Whether `value` lies within the bounds of the free parameter `key`."""
    f = next(f for f in free if f.key == key)
    return f.low <= value <= f.high


def parse_point(text: str, free: Sequence[Free]) -> dict[str, float]:
    """A point to try, `key=value,key=value`, of this space's keys within their bounds (the
    space's keys it leaves out are sampled in that trial); a one-line ConfigError for a key
    the space does not free, a value outside its bounds, or no number."""
    point: dict[str, float] = {}
    for item in filter(None, (i.strip() for i in text.split(","))):
        key, sep, raw = item.partition("=")
        f = next((f for f in free if f.key == key.strip()), None)
        if not sep or f is None:
            keys = ", ".join(f.key for f in free)
            raise ConfigError(f"--try {item!r}: expected key=value with a key of: {keys}")
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"--try {f.key}: {raw!r} is not a number") from None
        if not f.low <= value <= f.high:
            raise ConfigError(f"--try {f.key}={value:g}: outside its range [{f.low:g}, {f.high:g}]")
        point[f.key] = value
    if not point:
        raise ConfigError("--try: an empty point (expected key=value,key=value)")
    return point


def custom(item: str) -> Free:
    """A free parameter given on the command line, `key=low:high` (e.g.
    `care.success_base=0.7:0.95`, `providers.sensitivity[1]=0:1`), for any parameter that
    no space frees; a one-line ConfigError if it is not of that form."""
    key, _, bounds = item.partition("=")
    low, sep, high = bounds.partition(":")
    try:
        free = Free(key.strip(), float(low), float(high))
    except ValueError:
        free = None
    if not sep or free is None or not key.strip() or not free.low < free.high:
        raise ConfigError(
            f"--space {item}: expected a space name or key=low:high with low < high "
            "(e.g. care.success_base=0.7:0.95)"
        )
    return free


def check_custom(runs: Sequence[Sequence[str]], free: Sequence[Free]) -> None:
    """Each command-line free parameter is a parameter of some run the targets need (`runs`:
    their overrides), and both its bounds are values that run accepts (the schema's range):
    a one-line ConfigError before any trial."""
    from omegaconf import OmegaConf

    from countysim.config.compose import build, compose_config
    from countysim.research.writeback import param_overrides

    for f in free:
        found = False
        for overrides in runs:
            cfg = compose_config(list(overrides))[0]
            value = OmegaConf.select(cfg, f.base, default=None)
            if value is None:
                continue
            if f.index is not None and not (isinstance(value, Sequence) and f.index < len(value)):
                raise ConfigError(f"--space {f.key}: {f.base} has no element {f.index}")
            found = True
            for bound in (f.low, f.high):
                try:
                    given = param_overrides(overrides, {f.key: bound})
                    build(compose_config([*overrides, *given])[0])
                except ConfigError as exc:
                    raise ConfigError(f"--space {f.key}={f.low:g}:{f.high:g}: {exc}") from None
        if not found:
            raise ConfigError(
                f"--space {f.key}: no such parameter in the runs of these targets "
                "(a policy's parameter needs a target whose arm runs that policy)"
            )
