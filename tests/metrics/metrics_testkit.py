"""Hand-made Blocksworld episode records for the metrics tests (not a test module)."""

from __future__ import annotations

from itertools import count
from typing import Any

_ids = count()
NAMES = "abcdefghij"


def record(
    model: str,
    task: str,
    n_blocks: int,
    seed: int,
    *,
    completed: bool = True,
    ret: float | None = None,
    variant: str = "neutral",
    steps: int = 5,
    invalid: int = 0,
    tokens: tuple[int, int] = (100, 20),
    cost: float | None = None,
    **info: Any,
) -> dict[str, Any]:
    """One record as a line of episodes.jsonl would hold it."""
    return {
        "schema_version": 1,
        "episode_id": f"e{next(_ids)}",
        "model": model,
        "env_id": f"telic/{task}-v0",
        "env_kwargs": {"n_blocks": n_blocks},
        "seed": seed,
        "variant": variant,
        "steps": steps,
        "completed": completed,
        "return": ret if completed else None,
        "info": {"task": task, "n_blocks": n_blocks, "invalid_actions": invalid, **info},
        "usage": {
            "input_tokens": tokens[0],
            "output_tokens": tokens[1],
            "total_tokens": sum(tokens),
            "calls": steps,
        },
        "cost_usd": cost,
        "wall_time_s": 0.5,
    }


def heights(values: list[float]) -> dict[str, float]:
    return dict(zip(NAMES, values, strict=False))


def subtasks(
    model: str,
    n_blocks: int,
    seeds: range | list[int],
    *,
    height_error: float = 0.0,
    generated: int | None = None,
    evaluation_error: float = 0.0,
    pick: int = 0,
    execute: int = 0,
    variant: str = "neutral",
    skip: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Subtask records with constant outcomes (one per seed and subtask)."""
    k = 2 ** (n_blocks - 1) - 1
    out = []
    for s in seeds:
        true = 5.0 + (s % 5)
        kw = {"variant": variant}
        rows = {
            "measure_height": {
                "target_block": "a",
                "target_true_height": true,
                "measuring_error": height_error,
                "measurements": {"a": 7},
            },
            "generate_configurations": {
                "number_of_correct_configurations": k if generated is None else generated
            },
            "evaluate_configuration": {"evaluation_error": evaluation_error},
            "pick_configuration": {"partition_distance": pick},
            "execute_plan": {"partition_distance": execute},
        }
        for task, info in rows.items():
            if task not in skip:
                out.append(record(model, task, n_blocks, s, ret=0.0, **kw, **info))
    return out


def composite(
    model: str,
    task: str,
    seed: int,
    block_heights: list[float],
    ret: float | None,
    *,
    completed: bool = True,
    variant: str = "neutral",
    measurements: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A composite-task record on the given true heights."""
    n = len(block_heights)
    return record(
        model,
        task,
        n,
        seed,
        completed=completed,
        ret=ret,
        variant=variant,
        true_heights=heights(block_heights),
        measurements=dict.fromkeys(NAMES[:n], measurements),
        **extra,
    )
