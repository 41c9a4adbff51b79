"""The model's axes: facility levels, age bands and severities, in the order every array and
config list uses (village clinic, township centre, county hospital, out of county)."""

from __future__ import annotations

LEVELS = ("village", "township", "county", "out_of_county")
AGE_BANDS = ("0-14", "15-44", "45-64", "65+")
SEVERITIES = ("minor", "common", "complex", "highly_complex")
