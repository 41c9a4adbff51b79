"""Target 4: countysim against Starsim, side by side in one process on this machine.

    pip install -e ".[bench]"      # starsim
    python benchmarks/vs_starsim.py [--agents 1000000] [--json]

Runs countysim's county of `agents` residents (all policies on) for one year of daily steps,
then a Starsim SIS model with the same number of agents on a random contact network for a
year of daily steps, and prints resident-days (agent-steps) per second of each and their
ratio. Both timings include building the model. Target: ratio >= 3.
"""

from __future__ import annotations

import argparse
import os
import time

from _common import ALL_POLICIES, machine, measure, peak_rss_mb, print_table


def starsim_sis(agents: int, seed: int = 1) -> dict:
    os.environ.setdefault("STARSIM_INSTALL_FONTS", "0")
    import starsim as ss

    t0 = time.perf_counter()
    sim = ss.Sim(
        n_agents=agents,
        diseases=ss.SIS(),
        networks=ss.RandomNet(),
        start=ss.date("2001-01-01"),
        stop=ss.date("2002-01-01"),
        dt=ss.days(1),
        rand_seed=seed,
        verbose=0,
    )
    sim.run()
    wall = time.perf_counter() - t0
    steps = int(sim.t.npts)
    return {
        "model": f"starsim {ss.__version__} SIS",
        "agents": agents,
        "daily_steps": steps,
        "wall_s": round(wall, 2),
        "agent_days_per_s": round(agents * steps / wall),
        "peak_rss_mb": round(peak_rss_mb()),  # of the process so far (countysim ran first)
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    c = measure(args.agents, 1, ALL_POLICIES)
    ours = {
        "model": "countysim (all policies)",
        "agents": args.agents,
        "daily_steps": 365,
        "wall_s": c["wall_s"],
        "agent_days_per_s": c["resident_days_per_s"],
        "peak_rss_mb": c["peak_rss_mb"],
    }
    theirs = starsim_sis(args.agents)
    ratio = ours["agent_days_per_s"] / theirs["agent_days_per_s"]
    if not args.json:
        print(f"machine: {machine()}")
    print_table([ours, theirs], args.json)
    print_table([{"ratio countysim / starsim": round(ratio, 2), "target": ">= 3"}], args.json)


if __name__ == "__main__":
    main()
