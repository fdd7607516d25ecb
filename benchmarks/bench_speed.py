"""Speed against the SDK telic wraps, across cores, and at start-up.

Three parts, each read against a baseline measured in the same run:

* ``steps``: client CPU per model step of telic's async agent graph against a bare async
  openai-SDK agent loop (``AsyncOpenAI``, ``create()``, ``env.step``) playing the same env,
  seeds and history lengths against the same local fake provider. The server runs in its own
  process, so its CPU is not counted; the client's CPU (``time.process_time``) is. The history
  length is set by a stepped-context prefix of earlier turns (2, 40 and 160 messages at the
  first step; each episode then plays 4 steps). Rounds alternate the loops; medians are
  reported. telic's graph is measured with its fast request path (the default) and through the
  SDK's ``create()`` (``TELIC_OPENAI_FAST_PATH=0``, the path before the fast path existed).
* ``cores``: makespan as a multiple of the ideal (``calls x latency / in flight``, the calls
  counted by the server) at 256 episodes in flight, 1 s and 200 ms per call, for the
  single-process runner and the multi-process one (``--workers``).
* ``startup``: wall-clock seconds of ``telic validate quickstart`` and ``import envs`` in fresh
  processes, against a bare ``python -c pass`` in the same run.

Run: ``python -m benchmarks.bench_speed [--only steps cores startup]``. Prints markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STEP_ENV = "telic/Combined-v0"
STEP_KWARGS = {"n_blocks": 3}
STEPS_PER_EPISODE = 4
HISTORY = (2, 40, 160)


def _serve(latency_s: float, urls: Any, stop: Any) -> None:
    from agents.testing import FakeProviderServer

    with FakeProviderServer(latency_s=latency_s, keep_bodies=False) as server:
        urls.put(server.openai_base_url)
        stop.wait()
        urls.put(server.requests)


class Server:
    """The fake provider in its own (spawned) process."""

    def __init__(self, latency_s: float = 0.0) -> None:
        ctx = mp.get_context("spawn")
        self._urls, self._stop = ctx.Queue(), ctx.Event()
        self._process = ctx.Process(
            target=_serve, args=(latency_s, self._urls, self._stop), daemon=True
        )

    def __enter__(self) -> str:
        self._process.start()
        return str(self._urls.get(timeout=120))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=30)


# ---------------------------------------------------------------------------------------------
# steps


def _prior(length: int) -> list[Any]:
    """``length`` earlier messages (user/assistant turns of scripted episodes)."""
    import envs
    from agents import make_model, run_episode

    model = make_model("scripted:oracle")
    users: list[Any] = []
    assistants: list[Any] = []
    seed = 100
    while len(assistants) < length // 2:
        record = run_episode(env_id=STEP_ENV, env_kwargs=STEP_KWARGS, seed=seed, model=model)
        users += [m for m in record.transcript if m.role == "user"]
        assistants += [m for m in record.transcript if m.role == "assistant"]
        seed += 1
    prior = [m for pair in zip(users, assistants, strict=False) for m in pair][:length]
    del envs
    return prior


async def _bare_loop(base_url: str, system: str, prior: list[Any], seeds: list[int]) -> int:
    """A bare openai-SDK agent: create(), read the text, env.step, append."""
    import openai

    import envs

    client = openai.AsyncOpenAI(api_key="not-needed", base_url=base_url, max_retries=0)
    head = [{"role": "system", "content": system}]
    head += [{"role": m.role, "content": m.content} for m in prior]
    steps = 0
    for seed in seeds:
        env = envs.make(STEP_ENV, **STEP_KWARGS)
        observation, _ = env.reset(seed=seed)
        messages = [*head, {"role": "user", "content": observation}]
        for _ in range(STEPS_PER_EPISODE):
            reply = await client.chat.completions.create(model="fake", messages=messages)
            text = reply.choices[0].message.content or ""
            observation, _r, terminated, truncated, _i = env.step(text)
            steps += 1
            messages += [
                {"role": "assistant", "content": text},
                {"role": "user", "content": observation},
            ]
            if terminated or truncated:
                break
        env.close()
    await client.close()
    return steps


async def _telic_loop(model: Any, prior: list[Any], seeds: list[int]) -> int:
    from agents import AgentConfig, Budget, arun_episode

    config = AgentConfig(budget=Budget(max_steps=STEPS_PER_EPISODE))
    steps = 0
    for seed in seeds:
        record = await arun_episode(
            env_id=STEP_ENV, env_kwargs=STEP_KWARGS, seed=seed, model=model,
            config=config, prior_transcript=prior or None,
        )  # fmt: skip
        assert record.stop_reason != "error", record.errors
        steps += record.steps
    return steps


def steps_worker(base_url: str, episodes: int, rounds: int) -> dict[str, Any]:
    """Per-step client CPU of the three loops at each history length (run in a subprocess)."""
    from agents import make_model, system_prompt

    system = system_prompt("tags")
    os.environ["TELIC_OPENAI_FAST_PATH"] = "0"
    sdk_model = make_model("openai-compatible:fake", base_url=base_url)
    os.environ["TELIC_OPENAI_FAST_PATH"] = "1"
    fast_model = make_model("openai-compatible:fake", base_url=base_url)
    seeds = list(range(episodes))
    priors = {length: _prior(length - 2) for length in HISTORY}

    async def measure() -> dict[str, Any]:  # one event loop: the models' clients belong to it
        results: dict[str, Any] = {}
        for length in HISTORY:
            prior = priors[length]
            loops = {
                "bare": lambda p=prior: _bare_loop(base_url, system, p, seeds),
                "telic_sdk": lambda p=prior: _telic_loop(sdk_model, p, seeds),
                "telic_fast": lambda p=prior: _telic_loop(fast_model, p, seeds),
            }
            samples: dict[str, list[float]] = {name: [] for name in loops}
            counts: dict[str, int] = {}
            for loop in loops.values():  # warm-up
                await loop()
            for _ in range(rounds):
                for name, loop in loops.items():
                    cpu = time.process_time()
                    steps = await loop()
                    samples[name].append((time.process_time() - cpu) / steps * 1000)
                    counts[name] = steps
            results[str(length)] = {
                name: {"ms_per_step": statistics.median(v), "steps": counts[name]}
                for name, v in samples.items()
            }
        return results

    results = asyncio.run(measure())
    return results


def run_steps(episodes: int, rounds: int) -> None:
    with Server() as base_url:
        command = [sys.executable, "-m", "benchmarks.bench_speed", "--worker", "steps"]
        command += ["--base-url", base_url, "--episodes", str(episodes), "--rounds", str(rounds)]
        results = _worker_json(command)
    print("### Per-step client CPU: telic's async graph vs a bare openai-SDK loop\n")
    print(
        f"{STEP_ENV} (n_blocks=3), tags protocol, {episodes} episodes x "
        f"{STEPS_PER_EPISODE} steps per measurement, median of {rounds} alternated rounds; the "
        "fake provider (0 ms latency) runs in its own process. History = messages sent at "
        "the first step (each later step adds 2).\n"
    )
    print(
        "| history | bare SDK loop (ms/step) | telic, SDK create() (ms/step) "
        "| telic, fast path (ms/step) | telic create() / bare | telic fast / bare |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for length in HISTORY:
        row = results[str(length)]
        bare, sdk, fast = (row[k]["ms_per_step"] for k in ("bare", "telic_sdk", "telic_fast"))
        print(
            f"| {length} | {bare:.2f} | {sdk:.2f} | {fast:.2f} | {sdk / bare:.2f}x "
            f"| {fast / bare:.2f}x |"
        )
    fast_costs = [results[str(n)]["telic_fast"]["ms_per_step"] for n in HISTORY]
    print(
        f"\ntelic fast path, {HISTORY[-1]} vs {HISTORY[0]} messages: "
        f"{fast_costs[-1] / fast_costs[0]:.2f}x the per-step cost (target: flat, <= 0.6x the "
        "bare loop).\n"
    )


# ---------------------------------------------------------------------------------------------


def _worker_json(command: list[str]) -> Any:
    done = subprocess.run(command, capture_output=True, text=True, env=_env())
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "LANGCHAIN_TRACING_V2": "false",
        "LANGSMITH_TRACING": "false",
        "PYTHONHASHSEED": "0",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=["steps", "cores", "startup"])
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "steps":
        print(json.dumps(steps_worker(args.base_url, args.episodes, args.rounds)))
        return
    if "steps" in args.only:
        run_steps(args.episodes, args.rounds)


if __name__ == "__main__":
    main()
