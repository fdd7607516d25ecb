"""Personalization conditions for episodes with a simulated user (paired comparisons).

A scenario runs the same episodes (same env, kwargs and seeds) under several conditions; for an
episode of a simulated-user environment (``telic/PersonalizedBlocksworld-v0``) the condition
decides what the agent is told about the user, as a personalization block in its system prompt:

==============  ===============================================================================
``none``        nothing
``inferred``    hypotheses inferred from ``n_demonstrations`` demonstrations of the user drawn
                for the episode's seed, by the ``inferer`` (``offline``, or a model spec);
                ``inferred:<n>`` overrides the number (several in one scenario show the trend)
``oracle``      the user's true profile, stated as hypotheses
``placebo``     the true profile of another user (the one that disagrees most): a swap placebo
``generic``     generic statements matched in number to the oracle's, with no claims
==============  ===============================================================================

(``hypotheses``, ``swap`` and ``true`` are accepted as aliases.) :func:`episode_personalization`
returns the block and a JSON-ready record of what was given and how accurate it is (precision
and recall of its claims against the hidden profile), which the runner stores in the episode
record's ``extra["personalization"]``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from personalization._family import EpisodePersonalization, ModelFactory
from personalization._render import generic_hypotheses, render_block
from personalization._types import HypothesisSet, PersonalizationError, did_you_mean
from personalization.users import USER_ENVS, SimulatedUser, get_user, placebo_user
from personalization.users._hypotheses import (
    demonstration_profile,
    hypothesis_claims,
    infer_preferences_llm,
    infer_preferences_offline,
    profile_hypotheses,
    score_hypotheses,
)

USER_CONDITIONS: tuple[str, ...] = ("none", "inferred", "oracle", "placebo", "generic")
_ALIASES = {"hypotheses": "inferred", "swap": "placebo", "true": "oracle"}
DEFAULT_DEMONSTRATIONS = 6
OFFLINE = "offline"
#: IDs of the environments whose episodes have a simulated user.
USER_ENV_IDS: frozenset[str] = frozenset(env_id for env_id, *_ in USER_ENVS)


def parse_condition(name: str) -> tuple[str, int | None]:
    """``(canonical condition, demonstrations override)`` of a condition name.

    >>> parse_condition("inferred:12")
    ('inferred', 12)

    Raises:
        PersonalizationError: an unknown condition (did-you-mean) or a bad ``:<n>`` suffix.
    """
    if not isinstance(name, str) or not name:
        raise PersonalizationError(f"a condition must be a non-empty string, got {name!r}")
    base, _, suffix = name.partition(":")
    base = _ALIASES.get(base, base)
    if base not in USER_CONDITIONS:
        raise did_you_mean(name, [*USER_CONDITIONS, "inferred:<n>"], "personalization condition")
    if not suffix:
        return base, None
    if base != "inferred" or not suffix.isdigit():
        raise PersonalizationError(
            f"only 'inferred' takes a number of demonstrations, as 'inferred:8'; got {name!r}"
        )
    return base, int(suffix)


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
    if base == "placebo":
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


def check_user_settings(conditions: Iterable[str], settings: Mapping[str, Any] | None) -> None:
    """Validate a scenario's conditions and personalization settings before a run.

    Raises:
        PersonalizationError: an unknown condition (did-you-mean) or a bad
            ``n_demonstrations`` / ``inferer`` / ``inferer_options``.
    """
    for name in conditions:
        parse_condition(name)
    settings = dict(settings or {})
    n = settings.get("n_demonstrations", DEFAULT_DEMONSTRATIONS)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise PersonalizationError(
            f"personalization.n_demonstrations must be a non-negative integer, got {n!r}"
        )
    inferer = settings.get("inferer", OFFLINE)
    if not isinstance(inferer, str) or not inferer:
        raise PersonalizationError(
            f"personalization.inferer must be 'offline' or a model spec, got {inferer!r}"
        )
    if not isinstance(settings.get("inferer_options") or {}, Mapping):
        raise PersonalizationError("personalization.inferer_options must be a mapping")


_MODELS: dict[str, Any] = {}


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
    settings: Mapping[str, Any] | None = None,
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
    settings = dict(settings or {})
    check_user_settings([condition], settings)
    base, override = parse_condition(condition)
    n = int(settings.get("n_demonstrations", DEFAULT_DEMONSTRATIONS))
    inferer = str(settings.get("inferer", OFFLINE))
    user = get_user(str(env_kwargs.get("user") or _default_user(env_id)))
    model = None
    if base == "inferred" and inferer != OFFLINE:
        if model_factory is None:
            raise PersonalizationError(f"the inferer {inferer!r} needs a model factory")
        if inferer not in _MODELS:
            _MODELS[inferer] = model_factory(inferer, dict(settings.get("inferer_options") or {}))
        model = _MODELS[inferer]
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
        if base == "inferred"
        else None,
        "inferer": inferer if base == "inferred" else None,
        "claims": hypothesis_claims(hypotheses),
        "n_hypotheses": len(hypotheses) if hypotheses is not None else 0,
        **score.to_dict(),
    }
    return EpisodePersonalization(block, hypotheses, details)
