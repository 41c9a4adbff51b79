"""Shared helpers of the benchmark scripts: one measured run, tables, the machine."""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ALL_POLICIES = ["payment=bundled", "secondment=rotation", "triage=gatekeeping"]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(residents: int, years: int, overrides: list[str], seed: int = 0) -> dict[str, Any]:
    """Compose, build and run one county in this process; wall includes construction."""
    from countysim.model import CountyModel
    from countysim.run import build, compose_config

    t0 = time.perf_counter()
    cfg, policies = build(
        compose_config(
            [
                f"county.residents={residents}",
                f"sim.years={years}",
                f"seed={seed}",
                "sim.progress=false",
                *overrides,
            ]
        )[0]
    )
    t1 = time.perf_counter()
    model = CountyModel(cfg, policies)
    t2 = time.perf_counter()
    model.run()
    t3 = time.perf_counter()
    model.release()
    wall = t3 - t0
    return {
        "residents": residents,
        "years": years,
        "compose_s": round(t1 - t0, 2),
        "build_s": round(t2 - t1, 2),
        "run_s": round(t3 - t2, 2),
        "wall_s": round(wall, 2),
        "resident_days_per_s": round(residents * 365 * years / wall),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def measure_in_subprocess(residents: int, years: int, policies: str = "all") -> dict[str, Any]:
    """The same measurement in a fresh interpreter (so peak RSS is this run's alone)."""
    cmd = [
        sys.executable,
        str(HERE / "throughput.py"),
        f"--residents={residents}",
        f"--years={years}",
        f"--policies={policies}",
        "--json",
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine() -> str:
    """One line describing this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}; {os.cpu_count()} cores; {mem_gb:.0f} GiB; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}"
    )


def print_table(rows: list[dict[str, Any]], as_json: bool, title: str = "") -> None:
    """A small aligned table (or one JSON object per row)."""
    if as_json:
        for r in rows:
            print(json.dumps(r))
        return
    if title:
        print(title)
    cols = list(rows[0])
    fmt = {
        c: (
            lambda v: (
                f"{v:,}"
                if isinstance(v, int)
                else (f"{v:.3g}" if isinstance(v, float) and abs(v) < 1000 else f"{v}")
            )
        )
        for c in cols
    }
    cells = [[fmt[c](r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)))
