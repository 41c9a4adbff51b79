"""The basic sweeper, checking a covering sample of a batch's configs instead of all of them.

Hydra's BasicSweeper composes every config of a batch in the launching process before any
job starts, to catch composition errors early; for a 200-point sweep that is ~50 s on one
core while the workers wait (each job composes its config again anyway). This sweeper
composes a greedy set of points that together contain every swept value at least once (for
5 x 4 x 10 values: 10 configs), which catches the same errors: an unknown option or key
fails with every point that has it. Runs and results are unchanged. (No `from __future__
import annotations` here: Hydra loads plugin modules without registering them in
sys.modules, which dataclasses then need.)
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional  # noqa: UP035 (OmegaConf reads these at runtime)

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore


def covering_sample(batch: Sequence[Sequence[str]]) -> List[Sequence[str]]:  # noqa: UP006
    """Points of `batch` that together contain every override string at least once.

    Greedy set cover: repeatedly take the point with the most values not yet covered.
    """
    missing = {o for point in batch for o in point}
    chosen: List[Sequence[str]] = []  # noqa: UP006
    while missing:
        best = max(batch, key=lambda point: len(missing.intersection(point)))
        chosen.append(best)
        missing.difference_update(best)
    return chosen


class CoveringSweeper(BasicSweeper):
    """BasicSweeper whose up-front validation composes a covering sample of each batch."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose the covering sample; a config that cannot compose ends the sweep before
        any job with the same one-line message (exit 2) as a single run."""
        try:
            super().validate_batch_is_legal(covering_sample(batch))
        except Exception as exc:
            from countysim.config.compose import one_line

            print(f"countysim: error: {one_line(exc)}", file=sys.stderr)
            raise SystemExit(2) from None
        from countysim.sweep import add_to_total, mask_passwords_in_file

        if self.config is not None:
            sweep_dir = str(self.config.hydra.sweep.dir)
            add_to_total(sweep_dir, len(batch))
            mask_passwords_in_file(Path(sweep_dir) / "multirun.yaml")


@dataclass
class CoveringSweeperConf:
    """Config of the covering sweeper (same fields as the basic sweeper)."""

    _target_: str = "hydra_plugins.countysim_sweeper.sweeper.CoveringSweeper"
    max_batch_size: Optional[int] = None  # noqa: UP045
    params: Optional[Dict[str, str]] = None  # noqa: UP006, UP045


ConfigStore.instance().store(
    group="hydra/sweeper", name="countysim", node=CoveringSweeperConf, provider="countysim"
)
