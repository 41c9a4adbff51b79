"""A store that cannot be used is one line naming store.url, password masked, before any
simulated day (issues 12 and 16)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from countysim import ConfigError, run
from countysim.results.store import StoreError, masked

CLI = [sys.executable, "-c", "from countysim.cli import main; main()"]


def _bad_urls(tmp_path) -> dict[str, str]:
    afile = tmp_path / "a_file"
    afile.write_text("not a folder")
    return {
        "garbage": "garbage",
        "unknown kind": "notadb://x/y",
        "under /proc": "sqlite:////proc/nope/x.db",
        "parent is a file": f"sqlite:///{afile}/x.db",
        "no driver": "mysql://user@localhost/db",
        "a number": "5",
        "a folder": f"sqlite:///{tmp_path}",
    }


@pytest.mark.parametrize(
    "case",
    [
        "garbage",
        "unknown kind",
        "under /proc",
        "parent is a file",
        "no driver",
        "a number",
        "a folder",
    ],
)
def test_bad_store_urls_are_one_line_errors_naming_store_url(tmp_path, case, monkeypatch):
    from countysim import model

    started = []
    monkeypatch.setattr(model.CountyModel, "run", lambda *a, **k: started.append(1))
    url = _bad_urls(tmp_path)[case]
    with pytest.raises(StoreError) as info:
        run(["county=tiny", "sim.years=1", f"store.url={url}"])
    msg = str(info.value)
    assert msg.startswith("store.url:") and "\n" not in msg
    assert isinstance(info.value, ConfigError)  # the one documented exception type
    assert not started  # checked before any simulation
    if case == "no driver":
        assert "not installed" in msg


def test_an_unreachable_server_fails_at_once_without_showing_the_password():
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/countysim"
    with pytest.raises(StoreError) as info:
        run(["county=tiny", "sim.years=1", f"store.url={url}"])
    msg = str(info.value)
    assert "s3cret" not in msg and "***" in msg and msg.startswith("store.url: cannot connect")


def test_masked_hides_passwords_even_in_urls_sqlalchemy_cannot_parse():
    assert masked("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert "pw" not in masked("weird//u:pw@h")


def test_cli_store_error_exits_2_with_one_line(tmp_path):
    env = {**os.environ, "CI": "true"}
    res = subprocess.run(
        [*CLI, "county=tiny", "sim.years=1", "store.url=garbage"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("countysim: error: store.url:")


def test_mask_text_hides_passwords_also_as_hydra_prints_overrides():
    from countysim.results.store import mask_text

    hydra_line = r"#1 : seed=1 store.url=postgresql+psycopg\://user\:s3cret@db\:5432/x"
    assert "s3cret" not in mask_text(hydra_line) and r"user\:***@db" in mask_text(hydra_line)
    assert mask_text("sqlite:////tmp/a.db") == "sqlite:////tmp/a.db"


def test_log_records_are_masked_even_after_logging_is_reconfigured(caplog):
    """The joblib launcher reconfigures logging before it logs each job's overrides."""
    import logging
    import logging.config

    from countysim.sweep import mask_passwords_in_logs

    mask_passwords_in_logs()
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
    with caplog.at_level(logging.INFO):
        logging.getLogger("launcher").info(
            "#0 : %s", r"store.url=postgresql+psycopg\://u\:hunter2@h/db"
        )
    assert "hunter2" not in caplog.text and r"u\:***@h" in caplog.text
