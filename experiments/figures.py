"""What every figure script shares: run its sweep if the store lacks it, load this model's
runs of it, and write figures/<name>.png, .pdf and the plotted numbers as .csv.

Full scale: the experiment config's sweep (configs/experiment/<name>.yaml) into
outputs/experiments.db. `--quick`: a 10,000-resident county and 3 seeds into
outputs/experiments_quick.db (minutes at most; the tests run every figure this way).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
QUICK = ("county.residents=10000", "seed=range(3)")


def parse(doc: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k residents, 3 seeds")
    parser.add_argument("--out", type=Path, default=FIGURES, help="folder for the figure")
    return parser.parse_args(argv)


def store_url(quick: bool) -> str:
    name = "experiments_quick.db" if quick else "experiments.db"
    return f"sqlite:///{ROOT / 'outputs' / name}"


def sweep(experiment: str, quick: bool, extra: Sequence[str] = ()) -> str:
    """Run the experiment's sweep; points already stored by this model are skipped."""
    url = store_url(quick)
    cmd = ["countysim", "-m", f"+experiment={experiment}", f"store.url={url}", *extra]
    if quick:
        cmd += list(QUICK)
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=sys.stderr)
    return url


def load(url: str, *experiments: str) -> pd.DataFrame:
    """This model's completed runs of the experiments (every run-year). A point one
    experiment shares with another is stored once (the sweep skips it), so a figure that
    uses such points loads every experiment that may hold them."""
    import countysim

    every = countysim.load_metrics(url)
    model = countysim.provenance.model_id()
    df = every[every["model_id"] == model]
    runs = countysim.load_runs(url).set_index("run_id")["overrides"].astype(str)
    mine = runs[runs.apply(lambda o: any(f"+experiment={e}" in o for e in experiments))].index
    out = df[df["run_id"].isin(mine)].copy()
    if out.empty:
        other = every[every["run_id"].isin(mine)]["run_id"].nunique()
        raise SystemExit(
            f"{', '.join(experiments)}: no runs of this model (model_id {model[:12]}) in {url}"
            + (
                f"; {other} run{'s' * (other != 1)} of other model versions (the source or "
                "configs changed since they ran: run the sweep again)"
                if other
                else ""
            )
        )
    return out


def resolved(df: pd.DataFrame, url: str, key: str) -> pd.Series:
    """Each row's value of a config key, from its run's stored (resolved) config."""
    from omegaconf import OmegaConf

    import countysim

    configs = countysim.load_runs(url).set_index("run_id")["config_yaml"]
    value = {run: OmegaConf.select(OmegaConf.create(text), key) for run, text in configs.items()}
    return df["run_id"].map(value)


def save(fig: Figure, data: pd.DataFrame, name: str, out: Path) -> list[Path]:
    """figures/<name>.png (300 dpi), .pdf and .csv (the numbers plotted)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.pdf", out / f"{name}.csv"]
    fig.savefig(paths[0], dpi=300)
    fig.savefig(paths[1])
    data.to_csv(paths[2], index=False)
    print("wrote", ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p)
                             for p in paths))  # fmt: skip
    return paths
