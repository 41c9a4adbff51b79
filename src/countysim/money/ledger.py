"""Double-entry ledger in integer fen: every yuan has a source and a destination."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class Transfer:
    """One money flow."""

    year: int
    source: str
    destination: str
    fen: int
    kind: str


class Ledger:
    """All money flows of one run; amounts are exact integers in fen."""

    def __init__(self) -> None:
        self.transfers: list[Transfer] = []

    def transfer(self, year: int, source: str, destination: str, fen: int, kind: str) -> None:
        """Record a flow of `fen` from `source` to `destination`; amounts must be ≥ 0."""
        fen = int(fen)
        if fen < 0:
            raise ValueError(f"negative transfer {kind}: {fen} fen")
        if fen:
            self.transfers.append(Transfer(int(year), source, destination, fen, kind))

    def balance(self, account: str, year: int | None = None) -> int:
        """Inflows minus outflows of an account (in one year, or all years)."""
        total = 0
        for t in self.transfers:
            if year is not None and t.year != year:
                continue
            if t.destination == account:
                total += t.fen
            if t.source == account:
                total -= t.fen
        return total

    def total(
        self, year: int, *, kind: str, source: str | None = None, destination: str | None = None
    ) -> int:
        """Sum of one year's flows of a kind (optionally from/to one account)."""
        return sum(
            t.fen
            for t in self.transfers
            if t.year == year
            and t.kind == kind
            and (source is None or t.source == source)
            and (destination is None or t.destination == destination)
        )

    def balances(self) -> dict[str, int]:
        """Every account's balance over the whole run; they sum to zero."""
        out: dict[str, int] = defaultdict(int)
        for t in self.transfers:
            out[t.source] -= t.fen
            out[t.destination] += t.fen
        return dict(out)

    def to_frame(self) -> pd.DataFrame:
        """All transfers as a DataFrame (yuan as exact fen / 100)."""
        return pd.DataFrame(
            [(t.year, t.source, t.destination, t.fen, t.kind) for t in self.transfers],
            columns=["year", "source", "destination", "fen", "kind"],
        )
