"""Personalization conditions for episodes with a simulated user (paired comparisons).

A scenario runs the same episodes (same env, kwargs and seeds) under several conditions; for an
episode of a simulated-user environment (``telic/PersonalizedBlocksworld-v0``) the condition
(:mod:`personalization._conditions`, the one vocabulary) decides what the agent is told about
the user, as a personalization block in its system prompt:

=================  ============================================================================
``none``           nothing
``hypotheses``     hypotheses inferred from ``n_demonstrations`` demonstrations of the user
                   drawn for the episode's seed, by the ``inferer`` (``offline``, or a model
                   spec); ``hypotheses:<n>`` (or ``inferred:<n>``) overrides the number
                   (several in one scenario show the trend)
``oracle``         the user's true profile, stated as hypotheses
``swap``           the true profile of another user (the one that disagrees most): a placebo
``generic``        generic statements matched in number to the oracle's, with no claims
=================  ============================================================================

(``inferred``, ``placebo`` and ``true`` are aliases.) :func:`episode_personalization` returns
the block and a JSON-ready record of what was given and how accurate it is (precision and recall
of its claims against the hidden profile), which the runner stores in the episode record's
``extra["personalization"]``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from personalization._conditions import Condition
from personalization._conditions import parse_condition as _parse
from personalization._family import EpisodePersonalization, ModelFactory
from personalization._render import generic_hypotheses, render_block
from personalization._settings import DEFAULT_DEMONSTRATIONS, OFFLINE, as_settings
from personalization._types import HypothesisSet, PersonalizationError
from personalization.users import USER_ENVS, SimulatedUser, get_user, placebo_user
from personalization.users._hypotheses import (
    demonstration_profile,
    hypothesis_claims,
    infer_preferences_llm,
    infer_preferences_offline,
    profile_hypotheses,
    score_hypotheses,
)

#: The conditions simulated users support (canonical names).
USER_CONDITIONS: tuple[str, ...] = ("none", "hypotheses", "oracle", "swap", "generic")
#: IDs of the environments whose episodes have a simulated user.
USER_ENV_IDS: frozenset[str] = frozenset(env_id for env_id, *_ in USER_ENVS)


def parse_condition(name: str) -> Condition:
    """``(canonical condition, demonstrations override)`` of a condition name, among the
    conditions simulated users support.

    >>> parse_condition("inferred:12")
    Condition(kind='hypotheses', n_demonstrations=12)
    """
    return _parse(name, USER_CONDITIONS)


_OFFLINE_CACHE: dict[tuple[str, int, int], HypothesisSet] = {}


def _offline(user: SimulatedUser, n: int, seed: int) -> HypothesisSet:
    key = (user.profile_id, n, seed)
    if key not in _OFFLINE_CACHE:
        if len(_OFFLINE_CACHE) > 4096:
            _OFFLINE_CACHE.clear()
        profile = demonstration_profile(user, n, seed)
        _OFFLINE_CACHE[key] = infer_preferences_offline(profile, user.world)
    return _OFFLINE_CACHE[key]


def condition_hypotheses(
    condition: str,
    user: SimulatedUser | str,
    *,
    n_demonstrations: int = DEFAULT_DEMONSTRATIONS,
    seed: int = 0,
    inferer: str = OFFLINE,
    model: Any = None,
) -> HypothesisSet | None:
    """The hypotheses the agent gets about ``user`` under ``condition`` (``None``: nothing).

    Args:
        condition: a condition name (module docstring).
        user: the simulated user or its id.
        n_demonstrations: demonstrations the ``inferred`` condition infers from.
        seed: seed of those demonstrations (the episode's seed).
        inferer: ``offline`` or a model spec (then ``model`` is that model).
        model: the chat model for a model-spec inferer.

    Raises:
        PersonalizationError: unknown condition, or a model inferer without ``model``.
    """
    base, override = parse_condition(condition)
    person = get_user(user) if isinstance(user, str) else user
    n = override if override is not None else n_demonstrations
    if base == "none":
        return None
    if base == "oracle":
        return profile_hypotheses(person)
    if base == "swap":
        return profile_hypotheses(placebo_user(person), method="placebo")
    if base == "generic":
        return generic_hypotheses(len(person.claims))
    if n == 0:
        return None
    if inferer == OFFLINE:
        return _offline(person, int(n), int(seed))
    if model is None:
        raise PersonalizationError(
            f"the inferer {inferer!r} is a model spec: pass the model (model=...)"
        )
    profile = demonstration_profile(person, int(n), int(seed))
    return infer_preferences_llm(model, profile, person.world, model_label=inferer)


def check_user_settings(conditions: Iterable[str], settings: Any) -> None:
    """Validate a scenario's conditions and personalization settings before a run.

    Raises:
        PersonalizationError: an unknown condition (did-you-mean) or a bad setting.
    """
    for name in conditions:
        parse_condition(name)
    as_settings(settings)


_MODELS: dict[tuple[str, str], Any] = {}


def _default_user(env_id: str) -> str:
    """The ``user`` default of the env's constructor (episodes that leave it out)."""
    import inspect

    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    entry = gym.spec(env_id).entry_point
    creator = load_env_creator(entry) if isinstance(entry, str) else entry
    if not callable(creator):
        raise PersonalizationError(f"cannot load the code of {env_id!r}")
    return str(inspect.signature(creator).parameters["user"].default)


def episode_personalization(
    condition: str | None,
    env_id: str,
    env_kwargs: Mapping[str, Any],
    *,
    seed: int,
    settings: Any = None,
    model_factory: ModelFactory | None = None,
) -> EpisodePersonalization:
    """The personalization of one scenario episode.

    Episodes of environments without a simulated user (and episodes without a condition) get
    no block. ``settings`` is the scenario's ``personalization`` section: ``n_demonstrations``
    (default 6), ``inferer`` (``offline`` or a model spec) and ``inferer_options`` (keyword
    arguments for ``model_factory``, which builds the inferer's model from its spec).

    Raises:
        PersonalizationError: unknown condition or bad settings.
    """
    if condition is None or env_id not in USER_ENV_IDS:
        return EpisodePersonalization(None, None, {"condition": condition} if condition else {})
    typed = as_settings(settings)
    base, override = parse_condition(condition)
    n = typed.n_demonstrations
    inferer = typed.inferer
    user = get_user(str(env_kwargs.get("user") or _default_user(env_id)))
    model = None
    if base == "hypotheses" and inferer != OFFLINE:
        if model_factory is None:
            raise PersonalizationError(f"the inferer {inferer!r} needs a model factory")
        options = dict(typed.inferer_options)
        # Keyed by the options too: two settings with one spec but different options (say a
        # temperature) must not share the model the first one built.
        key = (inferer, json.dumps(options, sort_keys=True, default=str))
        if key not in _MODELS:
            _MODELS[key] = model_factory(inferer, options)
        model = _MODELS[key]
    hypotheses = condition_hypotheses(
        condition, user, n_demonstrations=n, seed=seed, inferer=inferer, model=model
    )
    block = render_block(hypotheses) or None
    score = score_hypotheses(hypotheses, user)
    details: dict[str, Any] = {
        "condition": condition,
        "kind": base,
        "user": user.id,
        "source_user": hypotheses.user_id if hypotheses is not None else None,
        "n_demonstrations": (override if override is not None else n)
        if base == "hypotheses"
        else None,
        "inferer": inferer if base == "hypotheses" else None,
        "claims": hypothesis_claims(hypotheses),
        "n_hypotheses": len(hypotheses) if hypotheses is not None else 0,
        **score.to_dict(),
    }
    return EpisodePersonalization(block, hypotheses, details)
