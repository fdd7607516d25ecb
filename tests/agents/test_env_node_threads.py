"""The async agent graph steps an env on the event loop, or in a worker thread when the env
says its ``step`` blocks (``blocking_step = True``); both play the same episode."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from agents import arun_episode, make_model


def _play(blocking: bool) -> tuple[Any, set[str]]:
    import envs

    env = envs.make("telic/MeasureHeight-v0", n_blocks=3)
    threads: set[str] = set()
    original = env.step

    def step(action: str) -> Any:
        threads.add(threading.current_thread().name)
        return original(action)

    env.step = step  # type: ignore[method-assign]
    if blocking:
        env.unwrapped.blocking_step = True  # type: ignore[attr-defined]
    record = asyncio.run(arun_episode(env=env, seed=4, model=make_model("scripted:oracle")))
    return record, threads


def test_blocking_envs_step_in_a_thread_and_play_the_same_episode() -> None:
    inline, inline_threads = _play(blocking=False)
    threaded, threaded_threads = _play(blocking=True)
    assert inline_threads == {threading.main_thread().name}
    assert threaded_threads and threading.main_thread().name not in threaded_threads
    assert inline.steps == threaded.steps > 0
    assert [a.model_dump() for a in inline.actions] == [a.model_dump() for a in threaded.actions]
