"""telic: study LLM agents in simulated environments.

This small package is the shared core every layer may import: the version, the check that the
top-level packages telic ships (``envs``, ``agents``, ``personalization``, ``metrics``,
``scenarios``) really are telic's, the error family (:mod:`telic.errors`), the registry
mechanism (:mod:`telic.registry`) and the deprecation shim for moved names.
"""

from telic._deprecation import REMOVED_IN, lazy_exports, moved_names
from telic._layout import ForeignPackageError, verify_layout
from telic.errors import TelicError, UnknownNameError, did_you_mean, suggestion, unknown_name
from telic.registry import RegistrationError, Registry, lazy, load_object

__version__ = "0.1.0"

__all__ = [
    "REMOVED_IN",
    "ForeignPackageError",
    "RegistrationError",
    "Registry",
    "TelicError",
    "UnknownNameError",
    "__version__",
    "did_you_mean",
    "lazy",
    "lazy_exports",
    "load_object",
    "moved_names",
    "suggestion",
    "unknown_name",
    "verify_layout",
]
