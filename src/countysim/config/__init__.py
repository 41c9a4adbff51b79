"""Typed configs and declared parameters."""
