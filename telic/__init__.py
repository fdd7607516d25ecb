"""telic: study LLM agents in simulated environments.

This small package holds what belongs to the distribution as a whole: its version and the
check that the top-level packages it ships (``envs``, ``agents``, ``personalization``,
``metrics``, ``scenarios``) really are telic's and not some other installed package that
happens to use the same generic name.
"""

from telic._layout import ForeignPackageError, verify_layout

__version__ = "0.1.0"

__all__ = ["ForeignPackageError", "__version__", "verify_layout"]
