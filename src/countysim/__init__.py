"""countysim: agent-based simulation of a Chinese county health system (医共体 reforms)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("countysim")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+local"

from countysim.config.params import ConfigError  # noqa: E402
from countysim.results import provenance  # noqa: E402
from countysim.results.analysis import summarize  # noqa: E402
from countysim.results.store import load_facilities, load_metrics, load_runs  # noqa: E402
from countysim.run import RunResult, rerun, run  # noqa: E402

__all__ = [
    "ConfigError",
    "RunResult",
    "__version__",
    "load_facilities",
    "load_metrics",
    "load_runs",
    "provenance",
    "rerun",
    "run",
    "summarize",
]
