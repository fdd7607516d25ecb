"""Playing one episode of a plan: from an :class:`~scenarios.EpisodeSpec` to an agents call.

:class:`LocalExecutor` plays episodes in this process with ``agents.arun_episode``; the Ray
backend (:mod:`scenarios._ray`) plays the same episodes with :func:`play_episode_sync` inside
Ray workers. Both build the agent configuration the same way (:func:`episode_call`), which is
what makes their records identical for the same scenario and seeds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from scenarios._matrix import EpisodeSpec, env_task_name
from scenarios._schema import Cache, Concurrency, ModelEntry

if TYPE_CHECKING:  # the record models load pydantic's envs schemas, which validate never needs
    from envs import EpisodeRecord, Message


class Executor(Protocol):
    """Plays one episode; the runner owns ordering, concurrency, recording and errors."""

    async def play(
        self, spec: EpisodeSpec, prior_transcript: Sequence[Message] | None
    ) -> EpisodeRecord:
        """Play ``spec`` (continuing ``prior_transcript`` when given) and return its record."""
        ...

    def close(self) -> None:
        """Release what the executor holds (models, a Ray connection)."""
        ...


_CACHES: dict[tuple[str, str], Any] = {}


def llm_cache(cache: Cache) -> Any:
    """The process's ``agents.LLMCache`` for these settings (None when the cache is off)."""
    if cache.mode == "off":
        return None
    key = (str(Path(cache.path).resolve()), cache.mode)
    if key not in _CACHES:
        from agents import LLMCache

        _CACHES[key] = LLMCache(cache.path, mode=cache.mode)
    return _CACHES[key]


def model_options(entry: ModelEntry, cache: Cache, concurrency: Concurrency) -> dict[str, Any]:
    """Keyword arguments for ``agents.make_model`` for this entry.

    Besides the agents' own options, a scenario may name the environment variable holding the
    key with ``api_key_env`` (e.g. ``GEMINI_API_KEY`` for Gemini's OpenAI-compatible endpoint),
    so no key is ever written in a scenario file.

    Raises:
        agents.MissingAPIKeyError: ``api_key_env`` names an unset variable.
    """
    options = dict(entry.options)
    variable = options.pop("api_key_env", None)
    if variable is not None and "api_key" not in options:
        key = os.environ.get(str(variable))
        if not key:
            from agents import MissingAPIKeyError

            raise MissingAPIKeyError(str(variable), entry.spec)
        options["api_key"] = key
    if cache.mode != "off":
        options.setdefault("cache", llm_cache(cache))
    provider = entry.spec.split(":", 1)[0]
    if provider in concurrency.rpm:
        options.setdefault("rpm", concurrency.rpm[provider])
    if provider in concurrency.max_in_flight:
        options.setdefault("max_concurrency", concurrency.max_in_flight[provider])
    return options


def build_model(entry: ModelEntry, cache: Cache, concurrency: Concurrency) -> Any:
    """``agents.make_model`` for a scenario's model entry (raises the agents' typed errors)."""
    from agents import make_model

    return make_model(entry.spec, **model_options(entry, cache, concurrency))


def episode_call(
    spec: EpisodeSpec, model: Any, prior_transcript: Sequence[Message] | None
) -> dict[str, Any]:
    """The keyword arguments of ``agents.run_episode`` / ``arun_episode`` for ``spec``."""
    from agents import AgentConfig, Budget, Event

    personal = episode_personalization(spec)
    config = AgentConfig(
        extra_prompt=spec.extra_prompt,
        personalization=personal.block,
        history_window=spec.history_window,
        budget=Budget(**spec.budget.model_dump()),
    )
    events = [Event(**e.model_dump(exclude={"envs"})) for e in spec.events] or None
    metadata = episode_metadata(spec)
    if personal.details:
        metadata["personalization"] = personal.details
    return {
        "env_id": spec.env_id,
        "env_kwargs": dict(spec.env_kwargs),
        "seed": spec.seed,
        "model": model,
        "model_spec": spec.model.name,
        "config": config,
        "episode_id": spec.episode_id,
        "events": events,
        "prior_transcript": list(prior_transcript) if prior_transcript else None,
        "metadata": metadata,
    }


def episode_personalization(spec: EpisodeSpec) -> Any:
    """The personalization block and its record for ``spec``'s condition, from the env's
    personalization family (``personalization.personalize_episode``)."""
    from personalization import personalize_episode

    return personalize_episode(
        spec.condition,
        spec.env_id,
        spec.env_kwargs,
        seed=spec.seed,
        settings=spec.personalization,
        model_factory=_inferer_model,
    )


def _inferer_model(spec: str, options: Any) -> Any:
    from agents import make_model

    return make_model(spec, **dict(options))


def episode_metadata(spec: EpisodeSpec) -> dict[str, Any]:
    """What the record carries about the scenario cell (variant, condition, sequence...)."""
    meta: dict[str, Any] = {"variant": spec.variant, "scenario": spec.scenario}
    if spec.model.label:
        meta["model_spec"] = spec.model.spec
    if spec.condition is not None:
        meta["condition"] = spec.condition
    split = _episode_split(spec)
    if split is not None:
        meta["split"] = split
    if spec.group is not None:
        meta.update(
            group=spec.group,
            sequence=spec.sequence,
            position=spec.position,
            previous_id=spec.previous_id,
        )
    return meta


def _episode_split(spec: EpisodeSpec) -> dict[str, Any] | None:
    """``{name, seed, digest}`` of the published-protocol split of the episode's dataset (the
    whole split is in the manifest), from its personalization family; a split record that
    became unreadable during the run is recorded as ``{"error": ...}`` (the run checked it at
    the start)."""
    from personalization import PersonalizationError, episode_split

    try:
        return episode_split(spec.env_id, spec.env_kwargs)
    except PersonalizationError as exc:
        return {"error": str(exc)}


def finish_record(spec: EpisodeSpec, record: EpisodeRecord) -> EpisodeRecord:
    """The record with the scenario cell's fields set, whatever the agent filled in."""
    meta = episode_metadata(spec)
    extra = {**record.extra, **{k: v for k, v in meta.items() if k not in _RECORD_FIELDS}}
    return record.model_copy(
        update={
            "episode_id": spec.episode_id,
            "variant": spec.variant,
            "condition": spec.condition,
            "group": spec.group,
            "extra": extra,
        }
    )


_RECORD_FIELDS = {"variant", "condition", "group"}


def error_record(spec: EpisodeSpec, exc: BaseException, wall_time_s: float) -> EpisodeRecord:
    """The record of an episode that raised instead of finishing (``stop_reason`` error): the
    agents' partial record when the exception carries one (transcript, usage and cost of the
    steps played), else an empty one."""
    from envs import EpisodeRecord

    partial = getattr(exc, "partial_record", None)
    if isinstance(partial, EpisodeRecord):  # what was played before the failure is kept
        return finish_record(spec, partial.model_copy(update={"wall_time_s": wall_time_s}))
    try:
        task = env_task_name(spec.env_id)
    except Exception:  # the env's code itself may be what failed
        task = None
    record = EpisodeRecord(
        episode_id=spec.episode_id,
        model=spec.model.name,
        task=task,
        env_id=spec.env_id,
        env_kwargs=dict(spec.env_kwargs),
        seed=spec.seed,
        n_blocks=spec.env_kwargs.get("n_blocks"),
        protocol=spec.protocol,
        stop_reason="error",
        wall_time_s=wall_time_s,
        errors=[{"step": 0, "kind": type(exc).__name__, "message": str(exc)[:2000]}],
    )
    return finish_record(spec, record)


class LocalExecutor:
    """Plays episodes in this process, one model object per scenario model entry."""

    def __init__(self, models: dict[str, Any]) -> None:
        """``models`` maps a model entry's name to the object ``agents.make_model`` built."""
        self._models = models

    async def play(
        self, spec: EpisodeSpec, prior_transcript: Sequence[Message] | None
    ) -> EpisodeRecord:
        from agents import arun_episode

        model = self._models[spec.model.name]
        return await arun_episode(**episode_call(spec, model, prior_transcript))

    def close(self) -> None:
        self._models.clear()


def play_episode_sync(
    spec: EpisodeSpec,
    prior_transcript: Sequence[Message] | None,
    cache: Cache,
    concurrency: Concurrency,
    plugins: Sequence[str] = (),
    models: dict[str, Any] | None = None,
) -> EpisodeRecord:
    """Play one episode synchronously (what a Ray worker runs)."""
    import envs
    from agents import run_episode

    envs.import_plugin_modules(list(plugins))
    cache_key = spec.model.name
    if models is not None and cache_key in models:
        model = models[cache_key]
    else:
        model = build_model(spec.model, cache, concurrency)
        if models is not None:
            models[cache_key] = model
    return run_episode(**episode_call(spec, model, prior_transcript))
