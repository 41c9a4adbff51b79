"""Numbers in the docs come from the scripts that make them, stamped with the model's results.

A script that reports numbers in README.md or docs/ writes them between two markers,

    <!-- begin:NAME results=FINGERPRINT -->
    ...generated text...
    <!-- end:NAME -->

where FINGERPRINT is `results_fingerprint()`: a hash of the golden baselines
(tests/golden/*.csv), which must be refreshed whenever the model's results change
(tests/test_golden.py). tests/test_docs.py fails when a block carries another fingerprint,
naming the block and the command that regenerates it, so no document can quote numbers
of a model that no longer exists.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden"
_BLOCK = re.compile(
    r"<!-- begin:(?P<name>[\w-]+) results=(?P<fp>\w+) -->\n(?P<body>.*?)<!-- end:(?P=name) -->",
    re.S,
)


def results_fingerprint(golden: Path = GOLDEN) -> str:
    """12 hex digits of SHA-256 over the golden baseline files (names and bytes)."""
    h = hashlib.sha256()
    files = sorted(golden.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no golden baselines in {golden} (a source checkout is needed)")
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(name, fingerprint, body) of every generated block in a document."""
    return [(m["name"], m["fp"], m["body"]) for m in _BLOCK.finditer(text)]


def write_block(path: Path | str, name: str, body: str) -> None:
    """Replace block NAME in the file with `body`, stamped with today's fingerprint.

    The block must already exist (its markers are placed by hand where it belongs).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    found = [m for m in _BLOCK.finditer(text) if m["name"] == name]
    if len(found) != 1:
        raise KeyError(f"{path}: expected one block '{name}', found {len(found)}")
    m = found[0]
    body = body if body.endswith("\n") else body + "\n"
    new = f"<!-- begin:{name} results={results_fingerprint()} -->\n{body}<!-- end:{name} -->"
    path.write_text(text[: m.start()] + new + text[m.end() :], encoding="utf-8")
