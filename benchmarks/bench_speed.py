"""Speed against the SDK telic wraps, across cores, and at start-up.

Three parts, each read against a baseline measured in the same run:

* ``steps``: client CPU per model step of telic's async agent graph against a bare async
  openai-SDK agent loop (``AsyncOpenAI``, ``create()``, ``env.step``) playing the same env,
  seeds and history lengths against the same local fake provider. The server runs in its own
  process, so its CPU is not counted; the client's CPU (``time.process_time``) is. The history
  length is set by a stepped-context prefix of earlier turns (2, 40 and 160 messages at the
  first step; each episode then plays 4 steps). Rounds alternate the loops; medians are
  reported. telic is measured as it runs by default (the graph walked directly, the fast
  request path), through LangGraph's runtime (``TELIC_AGENT_LOOP=graph``), and through
  LangGraph's runtime and the SDK's ``create()`` (also ``TELIC_OPENAI_FAST_PATH=0``).
* ``cores``: makespan as a multiple of the ideal (``calls x latency / in flight``, the calls
  counted by the server) at 256 episodes in flight, 1 s and 200 ms per call, for the
  single-process runner and the multi-process one (``--workers``). The server is a fixed-reply
  chat-completions server on one asyncio loop in its own process (:func:`_serve_lean`), so
  that the server's own threads do not set the pace.
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
QUICKSTART = "scenarios/quickstart.yaml"


def _fixed_reply(request: Any) -> Any:
    """The cheapest answer (the cores part measures the runner, not the replies)."""
    from agents.testing import FakeReply

    return FakeReply(text="<measure>A</measure>")


def _serve(latency_s: float, fixed: bool, urls: Any, stop: Any) -> None:
    from agents.testing import FakeProviderServer

    responder = _fixed_reply if fixed else None
    with FakeProviderServer(latency_s=latency_s, keep_bodies=False, responder=responder) as server:
        urls.put(server.openai_base_url)
        stop.wait()
        urls.put((server.requests, time.process_time()))


def _serve_lean(latency_s: float, urls: Any, stop: Any) -> None:
    """A fixed-reply chat-completions server on one asyncio loop (the ``cores`` part).

    ``FakeProviderServer`` gives each connection a thread; with 256 connections their wake-ups
    contend for the interpreter lock and its HTTP parsing costs more CPU per call than the
    runner's budget allows on a 2-core machine, so at many calls in flight it, not the runner,
    set the pace. This server answers what ``FakeProviderServer`` answers with
    :func:`_fixed_reply` (the same response body), sleeping ``latency_s`` per call without a
    thread, so the makespan measures the runner.
    """
    from agents.testing import FakeReply
    from agents.testing._wire import openai_response

    reply = FakeReply(text="<measure>A</measure>")
    count = [0]
    first_request, last_reply = [0.0], [0.0]  # wall-clock (time.time) stamps, for the phases

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = json.loads(await reader.readexactly(length)) if length else {}
                index = count[0]
                count[0] += 1
                if not first_request[0]:
                    first_request[0] = time.time()
                await asyncio.sleep(latency_s)
                data = json.dumps(openai_response(body, reply, index)).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(data), data)
                )
                last_reply[0] = time.time()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        started[0] = time.process_time()
        urls.put(f"http://127.0.0.1:{port}/v1")
        while not stop.is_set():
            await asyncio.sleep(0.05)
        server.close()

    started = [0.0]
    asyncio.run(main())
    # serving CPU (start-up excluded), and the first request's and the last reply's stamps
    urls.put((count[0], time.process_time() - started[0], first_request[0], last_reply[0]))


class Server:
    """The fake provider in its own (spawned) process; ``cpu_s`` is its CPU time once stopped.

    ``lean``: the single-loop fixed-reply server of the ``cores`` part (:func:`_serve_lean`).
    """

    def __init__(self, latency_s: float = 0.0, *, fixed: bool = False, lean: bool = False) -> None:
        ctx = mp.get_context("spawn")
        self._urls, self._stop = ctx.Queue(), ctx.Event()
        target, args = (
            (_serve_lean, (latency_s, self._urls, self._stop))
            if lean
            else (_serve, (latency_s, fixed, self._urls, self._stop))
        )
        self._process = ctx.Process(target=target, args=args, daemon=True)
        self.cpu_s = 0.0
        self.first_request = self.last_reply = 0.0

    def __enter__(self) -> str:
        self._process.start()
        return str(self._urls.get(timeout=120))

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        _requests, self.cpu_s, *stamps = self._urls.get(timeout=60)
        if stamps:  # the lean server's
            self.first_request, self.last_reply = stamps
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


async def _telic_loop(
    model: Any, prior: list[Any], seeds: list[int], *, graph: bool = False
) -> int:
    """telic's async runner; ``graph``: through LangGraph's runtime (``TELIC_AGENT_LOOP``)
    rather than the direct walk of the same graph."""
    from agents import AgentConfig, Budget, arun_episode

    config = AgentConfig(budget=Budget(max_steps=STEPS_PER_EPISODE))
    steps = 0
    if graph:
        os.environ["TELIC_AGENT_LOOP"] = "graph"
    try:
        for seed in seeds:
            record = await arun_episode(
                env_id=STEP_ENV, env_kwargs=STEP_KWARGS, seed=seed, model=model,
                config=config, prior_transcript=prior or None,
            )  # fmt: skip
            assert record.stop_reason != "error", record.errors
            steps += record.steps
    finally:
        os.environ.pop("TELIC_AGENT_LOOP", None)
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
                "telic_sdk": lambda p=prior: _telic_loop(sdk_model, p, seeds, graph=True),
                "telic_graph": lambda p=prior: _telic_loop(fast_model, p, seeds, graph=True),
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
        "the first step (each later step adds 2). Columns: the bare loop (the baseline); "
        "telic through LangGraph's runtime and the SDK's `create()` (`TELIC_AGENT_LOOP=graph "
        "TELIC_OPENAI_FAST_PATH=0`, the path before any of the speed work); through LangGraph's "
        "runtime with the fast request path (`TELIC_AGENT_LOOP=graph`); and the default (the "
        "graph walked directly, the fast request path).\n"
    )
    print(
        "| history | bare SDK loop (ms/step) | telic, graph runtime + create() (ms/step) "
        "| telic, graph runtime + fast path (ms/step) | telic default (ms/step) "
        "| create() / bare | graph runtime / bare | default / bare |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for length in HISTORY:
        row = results[str(length)]
        bare, sdk, graph, fast = (
            row[k]["ms_per_step"] for k in ("bare", "telic_sdk", "telic_graph", "telic_fast")
        )
        print(
            f"| {length} | {bare:.2f} | {sdk:.2f} | {graph:.2f} | {fast:.2f} "
            f"| {sdk / bare:.2f}x | {graph / bare:.2f}x | {fast / bare:.2f}x |"
        )
    fast_costs = [results[str(n)]["telic_fast"]["ms_per_step"] for n in HISTORY]
    print(
        f"\ntelic default, {HISTORY[-1]} vs {HISTORY[0]} messages: "
        f"{fast_costs[-1] / fast_costs[0]:.2f}x the per-step cost (target: flat, <= 0.6x the "
        "bare loop). Load average (1, 5, 15 min) after this part: "
        f"{_load()}.\n"
    )


# ---------------------------------------------------------------------------------------------
# cores

IN_FLIGHT = 256
CORE_ENV = "telic/Combined-v0"
CALLS_PER_EPISODE = 4  # every episode stops at its step budget, so the waves are even


def _cores_scenario(base_url: str, episodes: int) -> dict[str, Any]:
    return {
        "name": "bench-cores",
        "models": [
            {"spec": "openai-compatible:fake", "options": {"base_url": base_url, "timeout": 120}}
        ],
        "envs": [CORE_ENV],
        "n_blocks": [3],
        "seeds": {"start": 0, "count": episodes},
        "budget": {"max_steps": CALLS_PER_EPISODE},
        "concurrency": {
            "max_concurrency": IN_FLIGHT,
            "max_in_flight": {"openai-compatible": IN_FLIGHT},
        },
    }


def cores_worker(base_url: str, episodes: int, workers: int) -> dict[str, Any]:
    """One run of the plan with ``workers`` processes (1: the single-process runner)."""
    import tempfile

    from scenarios import LocalExecutor, preflight, run_plan
    from scenarios._load import scenario_from_dict
    from scenarios._multiprocess import ProcessExecutor
    from scenarios._runner import check_folder_splits

    scenario = scenario_from_dict(_cores_scenario(base_url, episodes))
    prepared = preflight(scenario)
    executor: Any
    if workers == 1:
        import agents._runner  # noqa: F401  (load the graph before the clock starts, as workers do)

        executor = LocalExecutor(prepared.models)
    else:
        executor = ProcessExecutor(
            workers=workers, cache=scenario.cache, concurrency=scenario.concurrency,
            models=scenario.models,
        )  # fmt: skip
        executor.wait_ready()
    pids = [w.process.pid for w in getattr(executor, "_pool", [])]
    with tempfile.TemporaryDirectory() as out:
        check_folder_splits(prepared.plan, Path(out))  # as `telic run` does before the run
        before = _cpu_seconds(pids)
        clock_start = time.time()
        started = time.perf_counter()
        stats = run_plan(prepared.plan, out, executor, progress=False)
        makespan = time.perf_counter() - started
        clock_end = time.time()
        cpu_s = _cpu_seconds(pids, joined=True) - before
        calls = sum(
            json.loads(line)["usage"]["calls"]
            for line in (Path(out) / "episodes.jsonl").read_text().splitlines()
        )
    return {
        "workers": workers,
        "episodes": stats.finished,
        "errors": stats.errors,
        "error_messages": stats.error_messages,
        "calls": calls,
        "makespan_s": makespan,
        "cpu_s": cpu_s,
        "clock_start": clock_start,
        "clock_end": clock_end,
    }


def _cpu_seconds(pids: list[int], *, joined: bool = False) -> float:
    """CPU seconds (user + system) of this process and the worker processes ``pids``.

    While the workers run (before the clock starts) they are read from ``/proc``, so that their
    start-up can be subtracted; once ``run_plan`` has returned, it has joined them, and their
    whole CPU is in this process's children's usage (``joined``). Nothing is read while the
    run goes, so the measurement adds no work to it.
    """
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    if joined:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return total + children.ru_utime + children.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total += children.ru_utime + children.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run_cores(latencies_ms: list[float], episodes: int, workers: int) -> None:
    rows = []
    for latency_ms in latencies_ms:
        for count in (1, workers):
            server = Server(latency_ms / 1000, lean=True)
            with server as base_url:
                command = [sys.executable, "-m", "benchmarks.bench_speed", "--worker", "cores"]
                command += ["--base-url", base_url, "--episodes", str(episodes)]
                command += ["--workers", str(count)]
                launched = time.time()
                result = _worker_json(command)
            phases = {
                # process start, imports, preflight, workers ready: before the clock starts
                "startup_s": result["clock_start"] - launched,
                # the clock's start to the first request at the server
                "to_first_s": server.first_request - result["clock_start"],
                # the last reply to the clock's end (the last records, the manifest, shutdown)
                "after_last_s": result["clock_end"] - server.last_reply,
            }
            rows.append((latency_ms, {**result, **phases, "server_cpu_s": server.cpu_s}))
    print(f"### Many calls in flight: one process vs {workers} worker processes\n")
    print(
        f"{episodes} episodes of {CORE_ENV} (n_blocks=3), each stopped at its step budget of "
        f"{CALLS_PER_EPISODE} calls, {IN_FLIGHT} in flight, against a fixed-reply server (one "
        "asyncio loop in its own process) answering after a fixed latency. Ideal = calls x "
        "latency / in "
        "flight (the baseline: a runner that costs nothing); CPU = the runner and its workers, "
        "user + "
        f"system. Machine: {os.cpu_count()} cores. The makespan runs from `run_plan`'s call "
        "to its return; it includes the gap before the first request reaches the server (to "
        "first call) and after the last reply (after last reply), and excludes the process's "
        "start-up before it (interpreter, imports, preflight, worker processes ready), shown "
        "separately.\n"
    )
    print(
        "| latency | processes | calls | makespan (s) | ideal (s) | makespan / ideal "
        "| CPU (s) | CPU ms per call | server CPU (s) | start-up, not counted (s) "
        "| to first call (s) | after last reply (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for latency_ms, r in rows:
        ideal = r["calls"] * latency_ms / 1000 / IN_FLIGHT
        print(
            f"| {latency_ms:g} ms | {r['workers']} | {r['calls']} | {r['makespan_s']:.2f} "
            f"| {ideal:.2f} | {r['makespan_s'] / ideal:.2f} | {r['cpu_s']:.1f} "
            f"| {r['cpu_s'] / max(r['calls'], 1) * 1000:.2f} | {r['server_cpu_s']:.1f} "
            f"| {r['startup_s']:.2f} | {r['to_first_s']:.2f} | {r['after_last_s']:.2f} |"
        )
    errors = sum(r["errors"] for _, r in rows)
    if errors:
        messages = [m for _, r in rows for m in r["error_messages"]][:3]
        print(f"\n{errors} episodes ended in an error ({messages}); the rows are not comparable.")
    print(
        "\nTargets on this machine: makespan / ideal <= 1.2 at 1000 ms and <= 1.5 at 200 ms "
        "(256 in flight).\n"
    )


# ---------------------------------------------------------------------------------------------
# startup

STARTUP_COMMANDS = {
    "python -c pass (baseline)": ["-c", "pass"],
    "import envs": ["-c", "import envs"],
    "import agents": ["-c", "import agents"],
    "telic validate scenarios/quickstart.yaml": ["-m", "telic", "validate", QUICKSTART],
}


def _startup_env() -> dict[str, str]:
    """The children's environment with Python's bytecode cache on, as a user's shell has it
    (``make`` turns writing it off for its own commands, which would make every start compile
    telic's sources again)."""
    env = _env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _timed(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of ``python <args>`` in a fresh process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_startup_env(), capture_output=True, check=True
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_startup(rounds: int) -> None:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in STARTUP_COMMANDS}
    for args in STARTUP_COMMANDS.values():  # warm the file cache and write the bytecode cache
        _timed(args)
    for _ in range(rounds):
        for name, args in STARTUP_COMMANDS.items():
            samples[name].append(_timed(args))
    print("### Start-up\n")
    print(
        f"Fresh processes, medians of {rounds} alternated rounds after one warm-up run of "
        "each (which also writes Python's bytecode cache, on as in a user's shell); CPU = "
        "user + system of the process. The baseline is the interpreter's own start in the "
        "same run; on a busy machine wall clock waits for a core, so CPU is the steadier "
        "column.\n"
    )
    print("| command | wall (s) | CPU (s) | wall - baseline (s) | CPU / baseline CPU |")
    print("|---|---:|---:|---:|---:|")
    base_wall = statistics.median(w for w, _ in samples["python -c pass (baseline)"])
    base_cpu = statistics.median(c for _, c in samples["python -c pass (baseline)"])
    for name, values in samples.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(
            f"| `{name}` | {wall:.2f} | {cpu:.2f} | {wall - base_wall:.2f} "
            f"| {cpu / base_cpu:.1f}x |"
        )
    print(
        "\nTargets: `telic validate` under 0.8 s and `import envs` under 0.3 s (wall clock, "
        "an idle machine).\n"
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
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[1000.0, 200.0])
    parser.add_argument("--core-episodes", type=int, default=512)
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: cores)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "steps":
        print(json.dumps(steps_worker(args.base_url, args.episodes, args.rounds)))
        return
    if args.worker == "cores":
        print(json.dumps(cores_worker(args.base_url, args.episodes, args.workers)))
        return
    print(f"Load average (1, 5, 15 min) at the start: {_load()}; {os.cpu_count()} cores.\n")
    if "steps" in args.only:
        run_steps(args.episodes, args.rounds)
    if "startup" in args.only:
        run_startup(max(args.rounds, 5))
    if "cores" in args.only:
        run_cores(args.latency_ms, args.core_episodes, args.workers or os.cpu_count() or 1)
    print(f"Load average at the end: {_load()}.\n")


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not available on this platform
        return "unknown"


if __name__ == "__main__":
    main()
