"""Which model produced a run: package version, git commit, uncommitted changes, code hash.

A stored run is only "the same point" as a new one when the model is the same. Package
versions and commits cannot say that on their own (an editable install keeps the version
it was installed with; a working tree can differ from its commit), so the model is
identified by `model_id`: a hash of the package's source files and of the configs it
composes, exactly what determines a run's results besides the config and the seed. The
package version (from git tags, hatch-vcs), the commit, a flag for uncommitted changes and
the versions of the main dependencies are recorded beside it.
"""

from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

DEPENDENCIES = ("numpy", "scipy", "pandas", "mesa", "hydra-core", "sqlalchemy")
# modules that only read, present or launch results: editing them changes no stored number,
# so they stay out of model_id (a resumed sweep is not recomputed for a new plot style)
NOT_MODEL_DIRS = frozenset({"viz"})  # the dashboard reads the model and is never read by it
NOT_MODEL = frozenset(
    {
        "cli.py",
        "research/calibrate.py",
        "research/fitreport.py",
        "research/gradient.py",
        "research/identification.py",
        "research/plotting.py",
        "research/readers.py",
        "research/sensitivity.py",
        "research/spaces.py",
        "research/target.py",
        "research/targets.py",
        "research/validation.py",
        "research/writeback.py",
        "results/analysis.py",
        "results/docblocks.py",
        "results/provenance.py",
        "sweep.py",
        "testing.py",
    }
)


def _package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def model_files() -> list[tuple[str, Path]]:
    """(name, path) of the package's Python files and of the configs it composes, sorted;
    names are the same in a source tree and in an installed wheel."""
    from countysim.config.compose import config_dir

    pkg, cfg = _package_dir(), Path(config_dir())
    py = [
        (f"countysim/{p.relative_to(pkg).as_posix()}", p)
        for p in pkg.rglob("*.py")
        if "__pycache__" not in p.parts
        and not p.is_relative_to(cfg)
        and p.relative_to(pkg).as_posix() not in NOT_MODEL
        and p.relative_to(pkg).parts[0] not in NOT_MODEL_DIRS
    ]
    yaml = [(f"configs/{p.relative_to(cfg).as_posix()}", p) for p in cfg.rglob("*.yaml")]
    return sorted(py) + sorted(yaml)


@functools.cache
def model_id() -> str:
    """32 hex digits of SHA-256 over the model's source and config files (names and bytes)."""
    h = hashlib.sha256()
    for name, path in model_files():
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args],
            cwd=_package_dir(),
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


@functools.cache
def git_commit() -> str | None:
    """The source tree's commit, or None outside a git checkout (e.g. a wheel)."""
    out = _git("rev-parse", "HEAD")
    return out.strip() or None if out is not None else None


@functools.cache
def git_dirty() -> bool | None:
    """True when the package or configs differ from the commit; None outside git."""
    if git_commit() is None:
        return None
    from countysim.config.compose import config_dir

    out = _git("status", "--porcelain", "--", str(_package_dir()), config_dir())
    return None if out is None else bool(out.strip())


@functools.cache
def package_version() -> str:
    """The installed package version (hatch-vcs: from the latest git tag and distance)."""
    try:
        return version("countysim")
    except PackageNotFoundError:
        return "0.0.0+unknown"


@functools.cache
def dependency_versions() -> dict[str, str | None]:
    """Installed versions of the dependencies that shape results."""
    out: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def record() -> dict[str, Any]:
    """Every provenance field stored with a run."""
    return {
        "version": package_version(),
        "git_commit": git_commit(),
        "dirty": git_dirty(),
        "model_id": model_id(),
        "dependencies": dependency_versions(),
    }
