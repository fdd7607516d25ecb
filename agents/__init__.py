"""telic agents package."""

__telic_package__ = True

from telic._layout import verify_layout

verify_layout()
