"""telic environments as Inspect tasks: a dataset of episodes, a solver that plays them, a scorer.

:func:`env_task` builds the Inspect :class:`~inspect_ai.Task` of one registered env. Its task
parameters (``-T`` on Inspect's command line) describe the episodes the same way a scenario
file does, and are expanded by the same code ``telic run`` uses (:func:`scenarios.expand`), so
an episode played through Inspect has the system prompt, personalization block, budgets and
record of the same episode played by ``telic run``; only the model calls go through Inspect's
model API (:class:`~scenarios.inspect_bridge._chat.InspectChatModel`).

Each sample is one episode (one seed, block count, prompt variant and personalization
condition). The solver :func:`play_env` plays it with telic's agent graph, leaves the telic
record in the sample's store and the conversation in its messages; the scorer
:func:`episode_scorer` reads the record: the env's return, the regret and completion.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatCompletionChoice, ChatMessageAssistant, ModelOutput, get_model
from inspect_ai.scorer import Score, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, Solver, TaskState, solver
from pydantic import ValidationError

from scenarios.inspect_bridge._convert import transcript_to_inspect
from scenarios.inspect_bridge._namespace import in_telic_namespace
from scenarios.inspect_bridge._samples import RECORD_KEY, SCORER_NAME, episode_score
from telic.errors import TelicError

#: Seeds when a task is given none: the same default as a scenario file (30 from 10).
DEFAULT_SEEDS = tuple(range(10, 40))


class TaskParameterError(TelicError, ValueError):
    """A task parameter that cannot describe telic episodes (the message says how to fix it)."""


def parse_seeds(seeds: Any) -> list[int]:
    """Seeds from a task parameter: ``10``, ``"10-19"`` (inclusive), ``"10,11"`` or a list of
    any of these (Inspect's ``-T seeds=10,11`` arrives as a list of strings).

    >>> parse_seeds("10-12"), parse_seeds(["3", 5]), parse_seeds(7)
    ([10, 11, 12], [3, 5], [7])
    """
    if seeds is None:
        return list(DEFAULT_SEEDS)
    items = seeds if isinstance(seeds, list | tuple) else [seeds]
    out: list[int] = []
    for item in items:
        text = str(item).strip()
        try:
            if isinstance(item, str) and "," in text:
                out.extend(parse_seeds(text.split(",")))
            elif isinstance(item, str) and "-" in text.lstrip("-"):
                low, high = (int(p) for p in text.split("-", 1))
                if high < low:
                    raise ValueError
                out.extend(range(low, high + 1))
            else:
                out.append(int(text))
        except ValueError:
            raise TaskParameterError(
                f"seeds: cannot read {item!r}; give a seed (10), a range (10-19) or a list "
                "(10,11,12)"
            ) from None
    return out


def _ints(value: Any, what: str) -> list[int] | None:
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    try:
        return [int(str(v).strip()) for v in items]
    except ValueError:
        raise TaskParameterError(
            f"{what}: expected a number or a list of numbers, got {value!r}"
        ) from None


def _names(value: Any) -> list[str] | None:
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    return [str(v).strip() for v in items]


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        with contextlib.suppress(json.JSONDecodeError):
            value = json.loads(value)
    if not isinstance(value, Mapping):
        raise TaskParameterError(
            f"{what}: expected a mapping such as {{user: frugal_fay}}, got {value!r}"
        )
    return dict(value)


def task_scenario(
    env_id: str,
    *,
    n_blocks: Any = None,
    seeds: Any = None,
    protocol: str = "tags",
    variant: Any = "neutral",
    condition: Any = None,
    personalization: Any = None,
    env_kwargs: Any = None,
    max_steps: int | None = None,
    history_window: int | None = None,
    model: str = "inspect",
) -> Any:
    """The scenario (:class:`scenarios.Scenario`) that describes a task's episodes for
    ``model``.

    Raises:
        TaskParameterError: a parameter the scenario schema rejects (with its message).
    """
    from scenarios._schema import Scenario

    data: dict[str, Any] = {
        "name": "inspect-" + env_id.rsplit("/", 1)[-1],
        "models": [{"spec": model}],
        "envs": [{"id": env_id, "kwargs": _mapping(env_kwargs, "env_kwargs")}],
        "seeds": parse_seeds(seeds),
        "protocols": [protocol],
        "variants": _names(variant) or ["neutral"],
    }
    blocks = _ints(n_blocks, "n_blocks")
    if blocks:
        data["n_blocks"] = blocks
    conditions = _names(condition)
    settings = _mapping(personalization, "personalization")
    if conditions or settings:
        data["personalization"] = {**settings, **({"conditions": conditions} if conditions else {})}
    if max_steps is not None:
        data["budget"] = {"max_steps": int(max_steps)}
    if history_window is not None:
        data["history_window"] = int(history_window)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'task'}: {e['msg']}" for e in exc.errors()
        )
        raise TaskParameterError(f"task parameters for {env_id}: {problems}") from None


def _cell(spec: Any) -> str:
    """The key of an episode within a task: what varies between its samples."""
    return json.dumps(
        [spec.seed, spec.env_kwargs.get("n_blocks"), spec.variant, spec.condition, spec.protocol]
    )


@cache
def _plan(scenario_json: str, model: str) -> dict[str, Any]:
    from scenarios._matrix import expand
    from scenarios._schema import Scenario

    data = json.loads(scenario_json)
    data["models"] = [{"spec": model}]
    plan = expand(Scenario.model_validate(data))
    return {_cell(spec): spec for spec in plan.episodes}


def env_task(env_id: str, **params: Any) -> Task:
    """The Inspect task of ``env_id``; ``params`` are those of :func:`task_scenario`."""
    from scenarios._load import ScenarioError
    from scenarios._matrix import expand

    scenario = task_scenario(env_id, **params)
    try:
        plan = expand(scenario)
    except ScenarioError as exc:
        raise TaskParameterError(str(exc)) from None
    samples = []
    for spec in plan.episodes:
        meta = {
            "env_id": spec.env_id,
            "env_kwargs": dict(spec.env_kwargs),
            "seed": spec.seed,
            "n_blocks": spec.env_kwargs.get("n_blocks"),
            "protocol": spec.protocol,
            "variant": spec.variant,
            "condition": spec.condition,
        }
        label = ", ".join(f"{k} {v}" for k, v in meta.items() if k != "env_kwargs" and v)
        samples.append(
            Sample(
                id=_sample_id(spec),
                input=f"Play {label}.",
                target="",
                metadata=meta,
            )
        )
    from scenarios.inspect_bridge._export import task_name

    name = task_name(env_id)
    scenario_json = scenario.model_dump_json()
    return Task(
        dataset=MemoryDataset(samples, name=env_id),
        solver=play_env(scenario_json),
        scorer=episode_scorer(),
        name=name,
        version=_version(env_id),
        metadata={"telic_env_id": env_id, "telic_scenario": json.loads(scenario_json)},
    )


def _sample_id(spec: Any) -> str:
    parts = [f"s{spec.seed}"]
    if spec.env_kwargs.get("n_blocks") is not None:
        parts.insert(0, f"n{spec.env_kwargs['n_blocks']}")
    if spec.variant != "neutral":
        parts.append(spec.variant)
    if spec.condition:
        parts.append(str(spec.condition).replace(":", "-"))
    return "-".join(parts)


def _version(env_id: str) -> int:
    _, _, version = env_id.rpartition("-v")
    return int(version) if version.isdigit() else 0


def _play_env(scenario_json: str) -> Solver:
    """Play the sample's episode with telic's agent graph, calling the model under evaluation
    through Inspect's model API; the record goes to the store, the conversation to the
    messages."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        from agents import Model, RetryPolicy, arun_episode
        from scenarios._execute import episode_call, finish_record
        from scenarios.inspect_bridge._chat import InspectChatModel

        model = get_model()
        name = str(state.model)
        spec = _plan(scenario_json, name)[
            json.dumps(
                [
                    state.metadata["seed"],
                    state.metadata.get("n_blocks"),
                    state.metadata["variant"],
                    state.metadata.get("condition"),
                    state.metadata["protocol"],
                ]
            )
        ]
        if state.epoch > 1:  # the same episode played again: a record of its own
            spec = spec.model_copy(update={"episode_id": f"{spec.episode_id}-e{state.epoch}"})
        # Inspect retries failed calls itself; one attempt here, so a call that fails for good
        # ends the episode with stop_reason "error" as in telic run.
        telic_model = Model.wrap(
            InspectChatModel(model=model), f"inspect:{name}", retry=RetryPolicy(max_attempts=1)
        )
        record = finish_record(spec, await arun_episode(**episode_call(spec, telic_model, None)))
        data = record.to_json_dict()
        state.store.set(RECORD_KEY, data)
        state.metadata["episode_id"] = record.episode_id
        state.metadata["task"] = record.task
        state.messages = transcript_to_inspect(record.transcript, name)
        last = next(
            (m for m in reversed(state.messages) if isinstance(m, ChatMessageAssistant)), None
        )
        if last is not None:
            state.output = ModelOutput(
                model=name,
                choices=[ChatCompletionChoice(message=last, stop_reason="stop")],
                completion=last.text,
            )
        return state

    return solve


def _episode_scorer() -> Any:
    """The env's return, the regret (NaN, which Inspect's metrics skip, when the env has none or
    the episode did not complete) and completion, read from the sample's telic record."""

    async def score(state: TaskState, target: Target) -> Score:
        record = state.store.get(RECORD_KEY)
        if not isinstance(record, Mapping):
            return Score.unscored(reason="the episode left no telic record")
        return episode_score(record)

    return score


play_env = solver(name="telic/play_env")(in_telic_namespace(_play_env, "play_env"))
episode_scorer = scorer(
    metrics={
        "return": [mean(), stderr()],
        "regret": [mean(), stderr()],
        "completed": [mean()],
    },
    name=f"telic/{SCORER_NAME}",
)(in_telic_namespace(_episode_scorer, SCORER_NAME))


def registered_task_params() -> Sequence[str]:
    """The task parameters every telic task takes (for docs and errors)."""
    return (
        "n_blocks",
        "seeds",
        "protocol",
        "variant",
        "condition",
        "personalization",
        "env_kwargs",
        "max_steps",
        "history_window",
    )
