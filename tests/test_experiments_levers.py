"""Figures 3, 4 and 6 drawn from their own quick sweeps (the checks are those of
tests/test_experiments.py; a second file so that the two run side by side)."""

from __future__ import annotations

import pytest

from tests.test_experiments import OWN_FILE, SCRIPTS
from tests.test_experiments import (
    test_a_figure_is_drawn_from_the_store_with_its_numbers as check_figure,
)


@pytest.mark.parametrize("script", [s for s in SCRIPTS if s.stem in OWN_FILE], ids=lambda p: p.stem)
def test_a_lever_figure_is_drawn_from_the_store_with_its_numbers(script, tmp_path):
    check_figure(script, tmp_path)
