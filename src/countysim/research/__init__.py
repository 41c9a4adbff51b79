"""Figures and research workflows (never imported by the model)."""
