"""Fit the case prices so that each level's mean bill matches the national averages.

    python scripts/fit_case_prices.py [--residents 100000] [--rounds 3]

The level factors are inputs (prices.level_price_factor). For each care type, the mean
bill at level l is factor[l] x sum_s mix[l, s] x price[s], linear in the case prices; the
case mix `mix` comes from a baseline run (fee-for-service, 1 year). The fit is a
non-negative least-squares on price increments (so prices never fall with severity) with
each level's error relative to its target; it is repeated because prices move the mix
through patients' expected out-of-pocket cost. Prints the prices to put in configs/.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import nnls

from countysim.model import CountyModel
from countysim.run import build, compose_config

# mean cost per visit / admission by level (village estimate; NHC 2020; NHC stats centre 2021)
TARGET = {0: np.array([40.0, 84.7, 222.4, 344.1]), 1: np.array([np.nan, 2083.0, 6872.0, 14466.0])}


def case_mix(overrides: list[str]) -> np.ndarray:
    """Cases by [inpatient, level, severity] in a one-year baseline run."""
    cfg, policies = build(compose_config(overrides)[0])
    model = CountyModel(cfg, policies)
    mix = np.zeros((2, 4, 4))
    bill = model.prices.bill

    def recording(rng, level, inpatient, severity):  # type: ignore[no-untyped-def]
        np.add.at(mix, (inpatient.astype(int), level, severity.astype(int)), 1)
        return bill(rng, level, inpatient, severity)

    model.prices.bill = recording  # type: ignore[method-assign]
    model.run()
    model.release()
    return mix


def fit(mix: np.ndarray, factor: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Monotone prices by severity minimising relative error of each level's mean bill."""
    ok = np.isfinite(target) & (mix.sum(1) > 0)
    share = mix[ok] / mix[ok].sum(1, keepdims=True)
    a = share * factor[ok, None] / target[ok, None]
    used = share.sum(0) > 0
    a = a[:, used]
    # price_s = sum of increments up to s: columns become cumulative sums from the right
    inc = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    x, _ = nnls(inc, np.ones(ok.sum()))
    prices = np.cumsum(x)
    out = np.empty(4)
    out[used] = prices
    out[~used] = prices[0]  # severities never seen at any level take the cheapest price
    return out


def main() -> None:
    """Fit, print the fitted prices and each level's mean bill against its target."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    overrides = [f"county.residents={args.residents}", "sim.years=1", "sim.progress=false"]
    cfg, _ = build(compose_config(overrides)[0])
    factor = np.asarray(cfg.prices.level_price_factor)
    prices = {0: cfg.prices.outpatient_case_price_yuan, 1: cfg.prices.inpatient_case_price_yuan}
    for r in range(args.rounds):
        ov = [
            *overrides,
            f"prices.outpatient_case_price_yuan=[{','.join(f'{p:.0f}' for p in prices[0])}]",
            f"prices.inpatient_case_price_yuan=[{','.join(f'{p:.0f}' for p in prices[1])}]",
        ]
        mix = case_mix(ov)
        for inp in (0, 1):
            share = mix[inp] / np.maximum(mix[inp].sum(1, keepdims=True), 1)
            mean = factor * (share @ np.asarray(prices[inp], float))
            print(
                f"round {r} {'inpatient' if inp else 'outpatient'}: mean bill by level "
                f"{np.round(mean, 1).tolist()} target {TARGET[inp].tolist()}"
            )
            prices[inp] = np.round(fit(mix[inp], factor, TARGET[inp]), -1).tolist()
    print("outpatient_case_price_yuan:", prices[0])
    print("inpatient_case_price_yuan:", prices[1])


if __name__ == "__main__":
    main()
