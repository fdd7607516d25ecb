"""Conformance checking for telic text environments, shipped with the library.

:func:`check_text_env` runs Gymnasium's ``check_env`` (warnings as errors) and telic's own
checks on an env ID or instance, and raises :class:`TextEnvCheckError` listing every failure
with what to fix. Use it in the tests of a new environment::

    from envs.testing import check_text_env
    check_text_env("telic/Combined-v1", n_blocks=3)

The checks (names in :data:`CHECKS`): ``gymnasium``, ``protocols`` (both protocols parse the
same actions), ``tool_schemas`` (valid JSON schemas matching the action specs),
``invalid_actions`` (garbage, bad JSON, unknown tools and bad arguments never raise and are
flagged), ``info_keys`` (base keys every step, summary keys at the end), ``determinism`` (same
seed and actions give the same trajectory), ``pickle`` (a round-trip keeps the state) and
``observation_space`` (every observation lies in the space).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from envs._checks import CHECKS, Factory
from envs._registry import make as make_env
from envs._text import PROTOCOLS, TextEnv
from telic import TelicError


@dataclass(frozen=True)
class CheckFailure:
    """One failed check."""

    check: str
    """The check's name (a key of :data:`CHECKS`)."""
    message: str
    """What went wrong and how to fix it."""


class TextEnvCheckError(TelicError, AssertionError):
    """An environment failed one or more conformance checks (see :attr:`failures`)."""

    def __init__(self, env_name: str, failures: Sequence[CheckFailure]) -> None:
        self.failures: tuple[CheckFailure, ...] = tuple(failures)
        lines = [f"{env_name} failed {len(self.failures)} conformance check(s):"]
        lines += [f"  [{f.check}] {f.message}" for f in self.failures]
        super().__init__("\n".join(lines))

    @property
    def checks(self) -> set[str]:
        """Names of the checks that failed."""
        return {f.check for f in self.failures}


def _factory(env_or_id: str | gym.Env, kwargs: dict[str, Any]) -> tuple[str, Factory]:
    """A name for messages and a function building a fresh unwrapped env per protocol."""
    if isinstance(env_or_id, str):
        env_id, init = env_or_id, dict(kwargs)
    else:
        base = env_or_id.unwrapped
        if not isinstance(base, TextEnv):
            raise TypeError(
                f"check_text_env needs a telic TextEnv or its ID, got {type(base).__name__}"
            )
        spec = base.spec
        if spec is None or spec.id not in gym.registry:
            cls = type(base)

            def make_class(protocol: str) -> TextEnv:
                return cls(**{**kwargs, "protocol": protocol})

            return cls.__name__, make_class
        env_id, init = spec.id, {**spec.kwargs, **kwargs}
    init.pop("protocol", None)

    def make(protocol: str) -> TextEnv:
        env = make_env(env_id, protocol=protocol, **init).unwrapped
        if not isinstance(env, TextEnv):
            raise TypeError(f"{env_id} is not a telic TextEnv ({type(env).__name__})")
        return env

    return env_id, make


def check_text_env(
    env_or_id: str | gym.Env,
    *,
    seeds: Iterable[int] = (0, 1),
    protocols: Iterable[str] = PROTOCOLS,
    checks: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    """Run every conformance check on ``env_or_id`` (an ID, or an env whose class can be
    built again with ``kwargs`` and ``protocol=``).

    Args:
        env_or_id: a registered ID (``"telic/Combined-v1"``) or an env instance.
        seeds: reset seeds used by the checks.
        protocols: the protocols to check (both by default).
        checks: a subset of :data:`CHECKS` to run (all by default).
        **kwargs: keyword arguments for the env (``n_blocks=4``, ...).

    Raises:
        TextEnvCheckError: listing every failed check with what to fix.
        ValueError: for an unknown protocol or check name, or bad env kwargs.
        envs.UnknownEnvError: for an unregistered ID (with a suggestion).
    """
    seeds = tuple(seeds)
    protocols = tuple(protocols)
    if not seeds:
        raise ValueError("seeds must name at least one seed, got ()")
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown or not protocols:
        raise ValueError(
            f"protocols must be a non-empty subset of {list(PROTOCOLS)}, got {protocols}"
        )
    selected = tuple(CHECKS) if checks is None else tuple(checks)
    bad = [c for c in selected if c not in CHECKS]
    if bad:
        raise ValueError(f"unknown check(s) {bad}; the checks are {list(CHECKS)}")
    name, make = _factory(env_or_id, kwargs)
    make(protocols[0])  # unknown IDs and bad kwargs raise here, as the programmer errors they are
    failures: list[CheckFailure] = []
    for check in selected:
        if check == "tool_schemas" and "tools" not in protocols:
            continue
        try:
            problems = CHECKS[check](make, protocols, seeds)
        except Exception as exc:  # a crash inside a check is itself a failure to report
            problems = [f"the check crashed with {type(exc).__name__}: {exc}"]
        failures.extend(CheckFailure(check, message) for message in problems)
    if failures:
        raise TextEnvCheckError(name, failures)


__all__ = ["CHECKS", "CheckFailure", "TextEnvCheckError", "check_text_env"]
