"""Stored runs and their analysis (never imported by the model)."""
