"""Scripted policies: offline agents that read the same text a model reads.

A :class:`Policy` maps the observations of one conversation so far (oldest first; the last
is the one to answer) to a :class:`PolicyAction`. It sees nothing a model would not see, so a
scripted run goes through exactly the same path as a real one. Policies are stateless: all
they need is in the observations, and their randomness comes from the ``rng`` the caller passes
(the agent runtime derives it from the run's seed and the conversation, so runs replay exactly).

Policies are registered by name; several policies may share a name (``oracle``) for different
tasks, and :func:`resolve_policy` picks the one whose :meth:`Policy.handles` accepts the
conversation. Third-party packages register theirs through the ``telic.policies`` entry-point
group (a module to import, or a callable to call).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

import numpy as np

POLICY_ENTRY_POINT_GROUP = "telic.policies"


@dataclass(frozen=True)
class PolicyAction:
    """One move of a scripted policy, in a form both protocols can use."""

    name: str
    """The action's :attr:`~envs.ActionSpec.name` (the tool name)."""
    args: Mapping[str, Any] = field(default_factory=dict)
    """Tool arguments (JSON-ready: configurations as lists of lists)."""
    text: str = ""
    """The reply in the tag protocol: optional reasoning followed by the action in ``< >``."""


@runtime_checkable
class Policy(Protocol):
    """What a scripted policy implements."""

    def handles(self, observations: Sequence[str]) -> bool:
        """Whether this policy knows the task of this conversation."""
        ...

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        """The next move given the observations so far (the last one is the newest)."""
        ...


PolicyFactory = Callable[..., Policy]
_POLICIES: dict[str, list[PolicyFactory]] = {}
_DOCS: dict[str, str] = {}
_plugins_loaded = False


class UnknownPolicyError(KeyError):
    """A scripted policy name nobody registered."""

    def __str__(self) -> str:
        return str(self.args[0])


def register_policy(name: str, factory: PolicyFactory, *, doc: str = "") -> None:
    """Register ``factory`` (called with the policy's parameters) under ``name``."""
    factories = _POLICIES.setdefault(name, [])
    if factory not in factories:
        factories.append(factory)
    if doc and name not in _DOCS:
        _DOCS[name] = doc


def _load_policy_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group=POLICY_ENTRY_POINT_GROUP):
        target = ep.load()
        if callable(target):
            target()


def policy_names() -> dict[str, str]:
    """Registered policy names with their one-line docs."""
    _load_policy_plugins()
    return {name: _DOCS.get(name, "") for name in sorted(_POLICIES)}


def _takes_seed(factory: PolicyFactory) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "seed" or p.kind is p.VAR_KEYWORD for p in parameters)


def make_policies(name: str, *, seed: int | None = None, **params: Any) -> list[Policy]:
    """Instantiate every policy registered under ``name`` with ``params``.

    ``seed`` goes to the factories that take a ``seed`` parameter (a policy's own generator for
    choices that span several steps); the others are built without it.
    """
    _load_policy_plugins()
    if name not in _POLICIES:
        close = difflib.get_close_matches(name, list(_POLICIES), n=3, cutoff=0.5)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownPolicyError(
            f"unknown scripted policy {name!r}.{hint} Known: {', '.join(sorted(_POLICIES))}."
        )
    return [
        factory(**params, seed=seed)
        if seed is not None and _takes_seed(factory)
        else factory(**params)
        for factory in _POLICIES[name]
    ]


def resolve_policy(policies: Sequence[Policy], observations: Sequence[str]) -> Policy:
    """The first policy that handles this conversation; ``LookupError`` if none does."""
    for policy in policies:
        if policy.handles(observations):
            return policy
    first = observations[0][:120] if observations else ""
    raise LookupError(f"no scripted policy of this name knows the task starting {first!r}")
