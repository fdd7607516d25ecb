"""One telic episode record as one Inspect sample, and back.

A sample shows the episode the Inspect way (its messages with tool calls, the scores
``return``, ``regret`` and ``completed``, metadata, token usage, timing and an error when the
episode ended in one) and keeps the whole record, unchanged, in its store under
:data:`RECORD_KEY`. Reading a log back takes the record from there, so a run exported to
Inspect and read again gives the same records and the same report.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from inspect_ai.log import EvalError, EvalSample
from inspect_ai.model import ChatCompletionChoice, ChatMessageAssistant, ModelOutput, ModelUsage
from inspect_ai.scorer import Score

from envs import EpisodeRecord, Message
from scenarios.inspect_bridge._convert import transcript_to_inspect

#: Store key of the full telic record in every sample telic writes.
RECORD_KEY = "telic_record"
#: Name of telic's scorer (one score per sample with the keys of :data:`SCORE_KEYS`).
SCORER_NAME = "telic_episode"
#: The keys of a sample's score value.
SCORE_KEYS = ("return", "regret", "completed")
#: Record fields copied into a sample's metadata (what ``inspect view`` filters on).
METADATA_FIELDS = (
    "episode_id",
    "env_id",
    "task",
    "seed",
    "n_blocks",
    "protocol",
    "variant",
    "condition",
    "group",
    "stop_reason",
    "steps",
    "env_kwargs",
)


def inspect_model_name(model: str) -> str:
    """The Inspect model name of a record's model: a telic spec ``scripted:oracle`` becomes
    ``telic/scripted:oracle`` (the Inspect provider telic registers); a name that already is an
    Inspect ``provider/model`` (a record played through Inspect) stays as it is."""
    head = model.split("/", 1)[0]
    if "/" in model and ":" not in head:
        return model
    return f"telic/{model}"


def episode_score(record: Mapping[str, Any]) -> Score:
    """The score of one episode: its return, regret and completion (NaN when undefined, which
    Inspect's metrics skip)."""
    info = record.get("info") or {}
    value: dict[str, float] = {
        "return": _number(record.get("return")),
        "regret": _number(info.get("regret")),
        "completed": 1.0 if record.get("completed") else 0.0,
    }
    actions = record.get("actions") or []
    last = actions[-1].get("action") if actions else None
    return Score(
        value=dict(value),
        answer=str(last) if last else None,
        explanation=f"stop reason: {record.get('stop_reason')}, steps: {record.get('steps')}",
    )


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return math.nan
    return float(value)


def record_to_sample(record: Mapping[str, Any]) -> EvalSample:
    """The Inspect sample of one episode record (JSON data, ``return`` under its public name)."""
    checked = EpisodeRecord.model_validate(record)
    data = checked.to_json_dict()
    model = inspect_model_name(checked.model)
    messages = transcript_to_inspect(checked.transcript, model)
    first = next((m.content for m in checked.transcript if m.role == "user"), "")
    last = next((m for m in reversed(messages) if isinstance(m, ChatMessageAssistant)), None)
    output = ModelOutput(model=model)
    if last is not None:
        output = ModelOutput(
            model=model,
            choices=[ChatCompletionChoice(message=last, stop_reason="stop")],
            completion=last.text,
        )
    usage = checked.usage
    error = None
    if checked.stop_reason == "error":
        problem = checked.errors[-1] if checked.errors else {}
        text = f"{problem.get('kind', 'error')}: {problem.get('message', '')}"
        error = EvalError(message=text, traceback=text, traceback_ansi=text)
    return EvalSample(
        id=checked.episode_id,
        epoch=1,
        input=first,
        target="",
        messages=messages,
        output=output,
        scores={SCORER_NAME: episode_score(data)},
        metadata={k: data.get(k) for k in METADATA_FIELDS} | {"model": checked.model},
        store={RECORD_KEY: data},
        model_usage={
            model: ModelUsage(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
                total_cost=checked.cost_usd,
            )
        },
        total_time=checked.wall_time_s,
        working_time=checked.wall_time_s,
        uuid=_uuid(checked.episode_id),
        error=error,
    )


def _uuid(episode_id: str) -> str:
    return hashlib.sha256(f"telic-sample:{episode_id}".encode()).hexdigest()[:22]


def sample_record(sample: EvalSample) -> dict[str, Any] | None:
    """The telic record a sample carries (None for a sample telic did not write)."""
    data = sample.store.get(RECORD_KEY)
    if not isinstance(data, Mapping):
        return None
    return EpisodeRecord.model_validate(data).to_json_dict()


def failed_sample_record(sample: EvalSample, model: str) -> dict[str, Any] | None:
    """The record of a sample of a telic task that failed before its episode ended (the
    solver raised, or Inspect stopped it at a limit): an error record from its metadata."""
    meta = sample.metadata or {}
    if not meta.get("env_id") or meta.get("seed") is None:
        return None
    if sample.error is not None:
        kind, message = "inspect_error", sample.error.message
    elif sample.limit is not None:
        kind, message = "inspect_limit", f"{sample.limit.type} limit {sample.limit.limit}"
    else:
        kind, message = "inspect_error", "the sample ended without a telic record"
    record = EpisodeRecord(
        episode_id=str(meta.get("episode_id") or sample.id),
        model=model,
        env_id=str(meta["env_id"]),
        env_kwargs=dict(meta.get("env_kwargs") or {}),
        seed=int(meta["seed"]),
        task=meta.get("task"),
        n_blocks=meta.get("n_blocks"),
        protocol=str(meta.get("protocol") or "tags"),
        variant=str(meta.get("variant") or "neutral"),
        condition=meta.get("condition"),
        transcript=[Message(role=_role(m.role), content=m.text) for m in sample.messages if m.text],
        stop_reason="error",
        errors=[{"step": 0, "kind": kind, "message": message[:2000]}],
        wall_time_s=float(sample.total_time or 0.0),
    )
    return record.to_json_dict()


def _role(role: str) -> Any:
    return role if role in ("system", "user", "assistant", "tool") else "user"


def score_means(samples: Sequence[EvalSample]) -> dict[str, tuple[float, int, int]]:
    """Per score key: (mean over the samples that have a value, scored, unscored)."""
    out = {}
    for key in SCORE_KEYS:
        values = []
        for sample in samples:
            score = (sample.scores or {}).get(SCORER_NAME)
            value = score.value.get(key) if score and isinstance(score.value, dict) else None
            if isinstance(value, int | float) and not math.isnan(float(value)):
                values.append(float(value))
        mean = sum(values) / len(values) if values else 0.0
        out[key] = (mean, len(values), len(samples) - len(values))
    return out
