"""What Inspect finds through the ``inspect_ai`` entry point named ``telic``.

Inspect imports this module the first time a name in the ``telic/`` namespace is looked up
(``inspect eval telic/Combined``, ``--model telic/scripted:oracle``) and when it lists tasks.
Importing it registers:

* one task per registered telic environment, named after the env without its namespace and
  version (``telic/Combined-v0`` -> ``telic/Combined``; the latest version when there are
  several), plus ``telic/env``, which takes any registered ID as ``-T env_id=...``;
* the model provider ``telic``: ``--model telic/<telic model spec>``.

Inspect namespaces what it registers by the top-level package of the defining module, found
through installed-distribution metadata (so ``scenarios/...`` from a regular install, a bare name
from an editable one, and either from a checkout with a stray ``*.egg-info``). telic's
namespace is the distribution's name, ``telic``, whatever the install: :func:`in_telic_namespace`
gives each function a module name that is never imported, so Inspect keeps the name given,
``telic/<Name>``.
"""

from __future__ import annotations

from typing import Any

from inspect_ai import Task, task
from inspect_ai.model import ModelAPI, modelapi

import envs
from scenarios.inspect_bridge._export import task_name
from scenarios.inspect_bridge._namespace import in_telic_namespace
from scenarios.inspect_bridge._tasks import env_task


def _env_task_function(env_id: str) -> Any:
    def telic_env_task(
        n_blocks: Any = None,
        seeds: Any = None,
        protocol: str = "tags",
        variant: Any = "neutral",
        condition: Any = None,
        personalization: Any = None,
        env_kwargs: Any = None,
        max_steps: int | None = None,
        history_window: int | None = None,
    ) -> Task:
        return env_task(
            env_id,
            n_blocks=n_blocks,
            seeds=seeds,
            protocol=protocol,
            variant=variant,
            condition=condition,
            personalization=personalization,
            env_kwargs=env_kwargs,
            max_steps=max_steps,
            history_window=history_window,
        )

    name = task_name(env_id)
    telic_env_task.__doc__ = f"Episodes of {env_id}, played by the model under evaluation."
    return task(name=f"telic/{name}")(in_telic_namespace(telic_env_task, name))


def _any_env_task() -> Any:
    def telic_any_env_task(
        env_id: str,
        n_blocks: Any = None,
        seeds: Any = None,
        protocol: str = "tags",
        variant: Any = "neutral",
        condition: Any = None,
        personalization: Any = None,
        env_kwargs: Any = None,
        max_steps: int | None = None,
        history_window: int | None = None,
    ) -> Task:
        return env_task(
            env_id,
            n_blocks=n_blocks,
            seeds=seeds,
            protocol=protocol,
            variant=variant,
            condition=condition,
            personalization=personalization,
            env_kwargs=env_kwargs,
            max_steps=max_steps,
            history_window=history_window,
        )

    telic_any_env_task.__doc__ = "Episodes of any registered telic env (-T env_id=...)."
    return task(name="telic/env")(in_telic_namespace(telic_any_env_task, "env"))


def latest_env_ids() -> dict[str, str]:
    """Task name -> the env ID it plays (the highest version of each name; telic's own
    namespace first when two namespaces share a name)."""
    chosen: dict[str, str] = {}
    entries = sorted(
        envs.registered_envs(), key=lambda e: (e.id.startswith("telic/"), _version(e.id))
    )
    for entry in entries:
        chosen[task_name(entry.id)] = entry.id
    return chosen


def _version(env_id: str) -> int:
    _, _, version = env_id.rpartition("-v")
    return int(version) if version.isdigit() else 0


def _provider() -> type[ModelAPI]:
    from scenarios.inspect_bridge._provider import TelicModelAPI

    return TelicModelAPI


telic_provider = modelapi(name="telic")(in_telic_namespace(_provider, "telic"))

TASKS = {name: _env_task_function(env_id) for name, env_id in latest_env_ids().items()}
TASKS["env"] = _any_env_task()
