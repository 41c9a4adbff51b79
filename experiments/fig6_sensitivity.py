"""Figure 6: global sensitivity — first-order and total Sobol indices (SALib) of the
inpatient in-county rate (final year) and the fund balance ratio (mean of the years) to
the policy levers and the main behavioural parameters, with 95% bootstrap intervals.

    python experiments/fig6_sensitivity.py           # N = 32: 320 runs of 50k x 3 years
    python experiments/fig6_sensitivity.py --quick   # N = 2: 20 runs of 10k x 1 year
"""

from __future__ import annotations

import os

from figures import parse, save, store_url  # type: ignore[import-not-found]

import countysim
from countysim.research import sensitivity
from countysim.research.plotting import plot_sobol

NAME = "fig6_sensitivity"


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    url = store_url(args.quick)
    base = [f"+experiment={NAME}", f"store.url={url}", "seed=0"]
    if args.quick:
        base += ["county.residents=10000", "sim.years=1"]
    n = 2 if args.quick else 32
    points = sensitivity.sample(n)
    print(f"{NAME}: {len(points)} runs (N = {n}, D = {len(sensitivity.FACTORS)})", flush=True)
    run_ids = sensitivity.run_points(base, points, jobs=min(2, os.cpu_count() or 1))
    y = sensitivity.outputs(countysim.load_metrics(url), run_ids)
    table = sensitivity.indices(y)
    fig = plot_sobol(table, sensitivity.OUTPUTS, n_runs=len(points))
    save(fig, table.assign(n_runs=len(points), base_n=n), NAME, args.out)


if __name__ == "__main__":
    main()
