"""Registry names in Inspect's ``telic/`` namespace, whatever the install.

Inspect prefixes a registered name with the top-level package of the module defining it,
found through installed-distribution metadata: ``scenarios/...`` from a regular install, a bare
name from an editable one, either from a checkout holding a stray ``*.egg-info``. telic's
namespace is its distribution's name, ``telic``: :func:`in_telic_namespace` gives a function a
module name that is never imported, so Inspect registers it under exactly the name telic gives.
"""

from __future__ import annotations

from typing import Any

#: The ``__module__`` of telic's Inspect objects (a module that is never imported).
NAMESPACE_MODULE = "telic.inspect_namespace"


def in_telic_namespace(function: Any, name: str) -> Any:
    """``function``, renamed ``name``, in :data:`NAMESPACE_MODULE`; register it as
    ``telic/<name>``."""
    function.__module__ = NAMESPACE_MODULE
    function.__name__ = function.__qualname__ = name
    return function
