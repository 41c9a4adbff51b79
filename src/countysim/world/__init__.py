"""The county and its people."""
