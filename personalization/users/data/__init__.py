"""Bundled data of the simulated users (``users.json``: the user library)."""
