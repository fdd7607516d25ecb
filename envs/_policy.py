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

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from telic.errors import TelicError, UnknownNameError
from telic.registry import Registry, load_object

if TYPE_CHECKING:
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


class UnknownPolicyError(UnknownNameError):
    """A scripted policy name nobody registered."""


class NoPolicyForTaskError(TelicError, LookupError):
    """No policy of a name knows the task of a conversation."""


_POLICIES: Registry[list[PolicyFactory]] = Registry(
    "scripted policy", group=POLICY_ENTRY_POINT_GROUP, error=UnknownPolicyError
)


def _key(factory: PolicyFactory | str) -> str:
    if isinstance(factory, str):
        return factory
    return f"{getattr(factory, '__module__', '')}:{getattr(factory, '__qualname__', factory)}"


def register_policy(name: str, factory: PolicyFactory | str, *, doc: str = "") -> None:
    """Register ``factory`` (called with the policy's parameters) under ``name``.

    ``factory`` may be a ``"module:Class"`` string, imported the first time a policy of that
    name is made (how the personalization domain registers its policies without importing
    them). Registering the same factory again, as an object or as its string, is a no-op.
    """
    factories: list[Any] = _POLICIES.setdefault(name, [])
    keys = [_key(f) for f in factories]
    if _key(factory) not in keys:
        factories.append(factory)
    elif not isinstance(factory, str):  # the object replaces its lazy string
        factories[keys.index(_key(factory))] = factory
    if doc and not _POLICIES.doc(name):
        _POLICIES.register(name, factories, doc=doc)


def policy_names() -> dict[str, str]:
    """Registered policy names with their one-line docs."""
    return {name: _POLICIES.doc(name) for name in _POLICIES.names()}


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
    _POLICIES.load_plugins()  # a plugin may add a policy under a name telic has too
    factories: list[Any] = _POLICIES.get(name)
    for index, factory in enumerate(factories):
        if isinstance(factory, str):
            factories[index] = load_object(factory)
    return [
        factory(**params, seed=seed)
        if seed is not None and _takes_seed(factory)
        else factory(**params)
        for factory in factories
    ]


def resolve_policy(policies: Sequence[Policy], observations: Sequence[str]) -> Policy:
    """The first policy that handles this conversation; ``LookupError`` if none does."""
    for policy in policies:
        if policy.handles(observations):
            return policy
    first = observations[0][:120] if observations else ""
    raise NoPolicyForTaskError(f"no scripted policy of this name knows the task starting {first!r}")
