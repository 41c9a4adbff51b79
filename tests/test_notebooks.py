"""Every notebook runs top to bottom in a real Jupyter kernel (nbclient), at small scale,
and every figure cell shows an image (a library that switched the backend to Agg would
leave them blank). Notebooks are stored without outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
TINY = '"county=tiny", "sim.years=1"'

# small-scale parameters for each notebook's cell tagged "parameters"
PARAMETERS = {
    "01_quickstart.ipynb": "residents = 5_000\nyears = 1\nseed = 0",
    "02_sweep_analysis.ipynb": 'url = "sqlite:///../outputs/sweep.db"',
    "03_policy_design.ipynb": (
        "residents = 5_000\nyears = 1\nseeds = range(3)\nlevels = [0.0, 0.25, 0.5]\n"
        'url = "sqlite:///../outputs/lever.db"'
    ),
}


def _sweep(db: Path) -> None:
    """What 02's sweep command stores, at a tiny scale: 2 packages x 3 seeds."""
    from countysim import run

    for package in ("baseline", "bundled"):
        for seed in range(3):
            run(["county=tiny", "sim.years=1", f"+package={package}", f"seed={seed}",
                 f"store.url=sqlite:///{db}", "sim.progress=false"])  # fmt: skip


def test_every_notebook_has_parameters_and_no_outputs():
    assert {p.name for p in NOTEBOOKS} == set(PARAMETERS)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_a_kernel_and_shows_its_figures(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = PARAMETERS[path.name]
    work = tmp_path / "notebooks"
    work.mkdir()
    if path.name.startswith("02"):
        (tmp_path / "outputs").mkdir()
        _sweep(tmp_path / "outputs" / "sweep.db")
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    figures = [c for c in nb.cells if c.cell_type == "code" and c.source.endswith("\nfig")]
    assert figures, path.name
    for c in figures:
        kinds = [k for o in c.outputs for k in o.get("data", {})]
        assert "image/png" in kinds, (path.name, c.source[:60], kinds)


def test_the_sweep_notebook_stops_with_the_command_when_no_sweep_is_there(tmp_path):
    path = next(p for p in NOTEBOOKS if p.name.startswith("02"))
    nb = nbformat.read(path, as_version=4)
    (tmp_path / "notebooks").mkdir()
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "notebooks")}},
    )  # fmt: skip
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="no sweep at"):
        client.execute()
    assert not (tmp_path / "outputs").exists()  # nothing was run or created
