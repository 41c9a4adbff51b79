"""Generated docs are current; the scripts that generate them work."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_policy_guide_is_current():
    spec = importlib.util.spec_from_file_location("policy_docs", ROOT / "scripts/policy_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    current = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert current == mod.render(), "run: python scripts/policy_docs.py"
    for _, option, *_ in mod.POLICIES:
        assert f"={option}`" in current


def test_decomposition_script_switches_each_mechanism_off_and_pairs_seeds():
    spec = importlib.util.spec_from_file_location("decompose", ROOT / "scripts/decompose.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows = mod.decompose(["bundled"], 20000, 1, 2)
    _, mechanisms = mod.PACKAGES["bundled"]
    assert [line for _, line, _ in rows][1:] == list(mechanisms)
    # the package's effect on the consortium's balance: a bundled budget creates one
    effect = rows[0][2]["consortium_balance_yuan"]
    assert float(effect.split(" ± ")[0]) != 0.0
    table = mod.markdown(rows, "cmd")
    assert table.count("\n| bundled |") == len(rows)
    # primary-care visits per capita (Ding & Zhou's outcome) = visits x primary-care share
    out = mod._last_cached(("county=tiny", "county.residents=3000", "sim.years=1",
                            "sim.progress=false"))  # fmt: skip
    assert set(out) == set(mod.OUTCOMES)
    from countysim.run import run

    y = run(["county=tiny", "county.residents=3000", "sim.years=1", "sim.progress=false"],
            save=False).yearly.iloc[-1]  # fmt: skip
    assert out["primary_visits_per_capita"] == y["visits_per_capita"] * y["primary_care_share"]


def test_no_file_points_to_sources_outside_the_repository():
    """Defect: docs and code sent users to the developers' sibling folder of shared notes,
    which a clone does not have."""
    needle = "../" + "shared"
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    text_ext = {".py", ".md", ".yaml", ".yml", ".toml", ".ipynb", ".txt", ".cfg"}
    offenders = [
        f
        for f in files
        if Path(f).suffix in text_ext
        and needle in (ROOT / f).read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []
    assert (ROOT / "docs" / "sources.md").is_file()


# each generated block and the command that regenerates it
BLOCKS = {
    ("README.md", "default-run"): "python scripts/readme_runs.py --write README.md",
    ("README.md", "ten-years"): "python scripts/readme_runs.py --write README.md",
    ("README.md", "policy-arms"): "python experiments/policy_arms.py --write README.md",
    ("README.md", "decomposition-summary"): "python scripts/decompose.py "
    "--write docs/decomposition.md --readme README.md",
    ("docs/decomposition.md", "decomposition"): "python scripts/decompose.py "
    "--write docs/decomposition.md --readme README.md",
    ("README.md", "tucheng"): "python experiments/tucheng_secondment.py --seeds 3 "
    "--write README.md",
    ("docs/validation.md", "validation"): "python scripts/validation_report.py",
    ("docs/identification.md", "identification"): "python scripts/identification.py "
    "--write docs/identification.md",
}


def test_numbers_in_the_docs_come_from_todays_model():
    """A block of numbers stamped with another results fingerprint quotes a model that no
    longer exists (the golden baselines changed since): regenerate it."""
    from countysim.results.docblocks import blocks, results_fingerprint

    now = results_fingerprint()
    found = {}
    for doc in {d for d, _ in BLOCKS}:
        for name, fp, body in blocks((ROOT / doc).read_text(encoding="utf-8")):
            found[(doc, name)] = fp
            assert body.strip(), (doc, name)
    assert set(found) == set(BLOCKS), "every generated block is listed here, and only those"
    stale = {k: v for k, v in found.items() if v != now}
    assert not stale, "stale numbers; run: " + "; ".join(sorted({BLOCKS[k] for k in stale}))


def test_write_block_replaces_only_its_block(tmp_path):
    from countysim.results.docblocks import blocks, results_fingerprint, write_block

    doc = tmp_path / "doc.md"
    doc.write_text("a\n<!-- begin:x results=old -->\nold\n<!-- end:x -->\nb\n")
    write_block(doc, "x", "new")
    assert doc.read_text() == (
        f"a\n<!-- begin:x results={results_fingerprint()} -->\nnew\n<!-- end:x -->\nb\n"
    )
    assert blocks(doc.read_text())[0][:2] == ("x", results_fingerprint())


def test_the_model_description_links_every_model_module_and_only_existing_files():
    """docs/odd.md (ODD protocol) links each submodel to its module: every relative link
    resolves, and every module of the model (not results/ or research/) is linked."""
    import re

    text = (ROOT / "docs" / "odd.md").read_text()
    links = re.findall(r"\]\((\.\./[^)#\s]+)", text)
    assert links
    missing = [ln for ln in links if not (ROOT / "docs" / ln).resolve().exists()]
    assert missing == []
    linked = {(ROOT / "docs" / ln).resolve() for ln in links}
    pkg = ROOT / "src" / "countysim"
    model = [
        p
        for sub in ("care", "money", "world", "agents", "policies")
        for p in (pkg / sub).glob("*.py")
        if p.name != "__init__.py"
    ] + [pkg / "model.py", pkg / "metrics.py"]
    unlinked = sorted(str(p.relative_to(pkg)) for p in model if p.resolve() not in linked)
    assert unlinked == []
    for section in ("Purpose", "Entities", "Process overview", "Design concepts",
                    "Initialisation", "Input data", "Submodels"):  # fmt: skip
        assert re.search(rf"^## \d+ {section}", text, re.M), section
