"""Personalization conditions of the HyPerAlign environments in scenario runs.

For ``telic/PersonalizedWriting-v0`` and ``telic/DeliberativeAlignment-v0`` a scenario's
``personalization`` section says which users' hypotheses are inferred and how:

``users``          ``synthetic`` / ``deliberative`` (the env's bundled corpus), the path of a users
                   JSONL file, or a list of user ids (the swap placebo then pairs only these)
``inferer``        ``offline`` (stylometry, :func:`personalization.infer_offline`) or a model spec
                   (:func:`personalization.infer_hypotheses`; ``inferer_options`` are its options)
``n_hypotheses``   hypotheses inferred per user (default 8)
``n_train``        demonstrations per user they are inferred from (writing: default and at most
                   the env's ``n_train``, so no held-out text reaches a prompt)
``categories``     hypothesis categories asked for (model inferer only)
``n_examples``     demonstrations shown by the few-shot conditions (default: all of them)

:func:`hyperalign_personalization` gives an episode its block (built once per (user,
condition) and settings in this process, hypotheses inferred once per user) and the JSON-ready
record of what was given, which the runner stores in ``record.extra["personalization"]``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from personalization._family import EpisodePersonalization, ModelFactory
from personalization._settings import DEFAULT_N_HYPOTHESES, OFFLINE, as_settings

WRITING_ENV = "telic/PersonalizedWriting-v0"
DELIBERATIVE_ENV = "telic/DeliberativeAlignment-v0"
#: Every version of each task (v1 is prompted with HyPerAlign's generation prompt).
WRITING_ENVS: frozenset[str] = frozenset({WRITING_ENV, "telic/PersonalizedWriting-v1"})
DELIBERATIVE_ENVS: frozenset[str] = frozenset({DELIBERATIVE_ENV, "telic/DeliberativeAlignment-v1"})
#: The HyPerAlign environments whose conditions this module applies.
HYPERALIGN_ENV_IDS: frozenset[str] = WRITING_ENVS | DELIBERATIVE_ENVS
_BUNDLED_NAMES = ("synthetic", "deliberative", "bundled")

_CORPORA: dict[tuple[str, str], dict[str, Any]] = {}
_HYPOTHESES: dict[tuple[Any, ...], Any] = {}
_BLOCKS: dict[tuple[Any, ...], tuple[str | None, dict[str, Any]]] = {}
_MODELS: dict[tuple[str, str], Any] = {}


def corpus_users(
    env_id: str, env_kwargs: Mapping[str, Any], users: Any
) -> tuple[str, dict[str, Any]]:
    """``(corpus key, {user id: UserProfile})``: every user of the episode's corpus."""
    from personalization.hyperalign._loaders import (
        load_deliberative_users,
        load_jsonl_users,
        load_synthetic_users,
    )

    path = env_kwargs.get("corpus" if env_id in WRITING_ENVS else "users_file")
    if path is None and isinstance(users, str) and users not in _BUNDLED_NAMES:
        path = users
    key = (env_id, str(path or "bundled"))
    if key not in _CORPORA:
        if path is not None:
            _CORPORA[key] = load_jsonl_users(str(path))
        elif env_id in WRITING_ENVS:
            _CORPORA[key] = load_synthetic_users()
        else:
            _CORPORA[key] = load_deliberative_users()
    return key[1], _CORPORA[key]


def _pool_ids(corpus: Mapping[str, Any], users: Any) -> list[str]:
    """The users the scenario compares (the swap placebo pairs among them)."""
    from personalization._types import PersonalizationError, did_you_mean

    if users is None or isinstance(users, str):
        return sorted(corpus)
    if not isinstance(users, list | tuple) or not users:
        raise PersonalizationError(
            f"personalization.users must be a corpus name, a path or a list of user ids, "
            f"got {users!r}"
        )
    for uid in users:
        if uid not in corpus:
            raise did_you_mean(str(uid), sorted(corpus), "user")
    return sorted({str(u) for u in users})


def _n_train(env_id: str, env_kwargs: Mapping[str, Any], settings: Mapping[str, Any]) -> int | None:
    """Demonstrations per user (``None``: all of a deliberative user's examples)."""
    from personalization._types import PersonalizationError

    wanted = settings.get("n_train")
    if env_id not in WRITING_ENVS:
        return wanted
    env_n = int(env_kwargs.get("n_train", 7))
    if wanted is None:
        return env_n
    if not 1 <= wanted <= env_n:
        raise PersonalizationError(
            f"personalization.n_train must be between 1 and the env's n_train={env_n} (more "
            f"would show held-out texts to the agent), got {wanted}"
        )
    return wanted


def _train(profile: Any, n_train: int | None) -> Any:
    if n_train is None or n_train >= len(profile.examples):
        return profile
    return profile.split(n_train)[0]


def _settings_key(settings: Mapping[str, Any]) -> str:
    keep = ("inferer", "inferer_options", "n_hypotheses", "categories")
    return json.dumps({k: settings.get(k) for k in keep}, sort_keys=True, default=str)


def _hypotheses(
    uid: str,
    corpus_key: str,
    corpus: Mapping[str, Any],
    n_train: int | None,
    settings: Mapping[str, Any],
    model_factory: ModelFactory | None,
) -> Any:
    """The user's inferred hypotheses (cached per user, corpus, n_train and inferer)."""
    from personalization._infer import infer_hypotheses
    from personalization._offline import infer_offline
    from personalization._types import PersonalizationError

    key = (corpus_key, uid, n_train, _settings_key(settings))
    if key in _HYPOTHESES:
        return _HYPOTHESES[key]
    n = settings.get("n_hypotheses", DEFAULT_N_HYPOTHESES)
    inferer = settings.get("inferer", OFFLINE)
    train = _train(corpus[uid], n_train)
    if inferer == OFFLINE:
        reference = [_train(p, n_train) for other, p in corpus.items() if other != uid]
        result = infer_offline(train, reference, n=n)
    else:
        if model_factory is None:
            raise PersonalizationError(f"the inferer {inferer!r} needs a model factory")
        options = dict(settings.get("inferer_options") or {})
        # Keyed by the options too: two settings with one spec but different options (say a
        # temperature) must not share the model the first one built.
        model_key = (str(inferer), json.dumps(options, sort_keys=True, default=str))
        if model_key not in _MODELS:
            _MODELS[model_key] = model_factory(inferer, options)
        extra: dict[str, Any] = {}
        if settings.get("categories"):
            extra["categories"] = tuple(settings["categories"])
        result = infer_hypotheses(_MODELS[model_key], train, n=n, model_label=inferer, **extra)
    _HYPOTHESES[key] = result
    return result


def hypothesis_rows(hypotheses: Any) -> list[dict[str, Any]]:
    """JSON-ready ``{id, category, statement, evidence}`` of each hypothesis of a set."""
    if hypotheses is None:
        return []
    return [
        {"id": h.id, "category": h.category, "statement": h.statement, "evidence": list(h.evidence)}
        for h in hypotheses.hypotheses
    ]


def hyperalign_personalization(
    condition: str,
    env_id: str,
    env_kwargs: Mapping[str, Any],
    *,
    settings: Any = None,
    model_factory: ModelFactory | None = None,
) -> EpisodePersonalization:
    """The block and record of one HyPerAlign episode (:class:`~personalization.
    EpisodePersonalization`), built once per (user, condition) and settings.

    Raises:
        PersonalizationError: unknown condition or user, or bad settings.
    """
    from personalization._conditions import (
        canonical_condition,
        condition_block,
        condition_set,
        swap_partner,
    )
    from personalization._types import PersonalizationError

    settings = as_settings(settings).model_dump()  # validated once, defaults filled in
    kind = canonical_condition(condition)
    users = settings.get("users")
    corpus_key, corpus = corpus_users(env_id, env_kwargs, users)
    uid = env_kwargs.get("user")
    if uid is None:
        raise PersonalizationError(
            f"personalization conditions need a fixed user: set 'user' in the kwargs of {env_id}"
        )
    pool = _pool_ids(corpus, users)
    if uid not in corpus:
        from personalization._types import did_you_mean

        raise did_you_mean(str(uid), sorted(corpus), "user")
    n_train = _n_train(env_id, env_kwargs, settings)
    n_examples = settings.get("n_examples")
    key = (
        env_id, corpus_key, uid, condition, tuple(pool), n_train, n_examples,
        _settings_key(settings),
    )  # fmt: skip
    if key in _BLOCKS:
        cached_block, cached = _BLOCKS[key]
        return EpisodePersonalization(cached_block, None, dict(cached))

    def own(user_id: str) -> Any:
        return _hypotheses(user_id, corpus_key, corpus, n_train, settings, model_factory)

    profile = _train(corpus[uid], n_train)
    mine = own(uid) if kind in ("hypotheses", "hypotheses_few_shot", "generic") else None
    placebo = (
        own(swap_partner(uid, pool if uid in pool else [*pool, uid])) if kind == "swap" else None
    )
    chosen = condition_set(kind, profile, mine, placebo=placebo)
    block = condition_block(kind, profile, mine, placebo=placebo, n_examples=n_examples) or None
    few_shot = kind in ("few_shot", "hypotheses_few_shot")
    details: dict[str, Any] = {
        "condition": condition,
        "kind": kind,
        "user": uid,
        "source_user": chosen.user_id if chosen is not None else None,
        "inferer": str(settings.get("inferer", OFFLINE)) if chosen is not None else None,
        "n_train": len(profile.examples),
        "n_examples_shown": (n_examples or len(profile.examples)) if few_shot else 0,
        "n_hypotheses": len(chosen) if chosen is not None else 0,
        "hypotheses": hypothesis_rows(chosen),
        "provenance": chosen.provenance.model_dump(mode="json") if chosen is not None else None,
        "block_chars": len(block or ""),
    }
    _BLOCKS[key] = (block, details)
    return EpisodePersonalization(block, chosen, dict(details))
