"""The Ray backend: each episode is a Ray task, on a local Ray instance or a cluster.

The driver (this process) keeps everything else: the plan, the order of stepped-context
sequences, the concurrency limit and the single writer of ``episodes.jsonl``. A task receives
the episode spec as JSON, plays it with :func:`scenarios._execute.play_episode_sync` and returns
the record as JSON, so a Ray run writes exactly the records a local run writes (wall times
aside). Workers must be able to import telic (``pip install 'telic[ray]'`` on every node).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from envs import EpisodeRecord, Message
from scenarios._matrix import EpisodeSpec
from scenarios._schema import Cache, Concurrency

#: Models built in this worker process, reused across the tasks it runs.
_WORKER_MODELS: dict[str, Any] = {}


def import_ray() -> Any:
    """Import ray, or raise ``agents.MissingExtraError`` with the install command."""
    try:
        import ray
    except ImportError:
        from agents import MissingExtraError

        raise MissingExtraError(
            "the Ray backend needs the 'ray' extra: pip install 'telic[ray]'"
        ) from None
    return ray


def _play_remote(
    spec: dict[str, Any],
    prior: list[dict[str, Any]] | None,
    cache: dict[str, Any],
    concurrency: dict[str, Any],
    plugins: list[str],
    prices: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    from scenarios._execute import play_episode_sync

    if prices:  # the driver's price files reach the worker's price table
        from agents import set_prices

        set_prices({spec: (pair[0], pair[1]) for spec, pair in prices.items()})

    record = play_episode_sync(
        EpisodeSpec.model_validate(spec),
        [Message.model_validate(m) for m in prior] if prior else None,
        Cache.model_validate(cache),
        Concurrency.model_validate(concurrency),
        plugins,
        models=_WORKER_MODELS,
    )
    return record.to_json_dict()


class RayExecutor:
    """Plays episodes as Ray tasks; ``address`` None starts a local Ray instance."""

    plays_remotely = True
    """Its episodes use Ray's CPUs, not this process's (no CPU watch: scenarios._saturation)."""

    def __init__(
        self,
        *,
        cache: Cache,
        concurrency: Concurrency,
        plugins: Sequence[str] = (),
        address: str | None = None,
        task_cpus: float = 1.0,
        prices: dict[str, list[float]] | None = None,
    ) -> None:
        """Connect to (or start) Ray. ``task_cpus`` is the CPU share each episode task asks."""
        ray = import_ray()
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            ray.init(
                address=address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        self._remote = ray.remote(num_cpus=task_cpus, max_retries=0)(_play_remote)
        self._args = (
            cache.model_dump(mode="json"),
            concurrency.model_dump(mode="json"),
            list(plugins),
            dict(prices or {}),
        )
        self._pending: set[Any] = set()

    async def play(
        self, spec: EpisodeSpec, prior_transcript: Sequence[Message] | None
    ) -> EpisodeRecord:
        prior = [m.model_dump(mode="json") for m in prior_transcript] if prior_transcript else None
        ref = self._remote.remote(spec.model_dump(mode="json"), prior, *self._args)
        self._pending.add(ref)
        try:
            data = await asyncio.wrap_future(ref.future())
        finally:
            self._pending.discard(ref)
        return EpisodeRecord.model_validate(data)

    def close(self) -> None:
        for ref in list(self._pending):
            self._ray.cancel(ref, force=True)
        self._pending.clear()
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
