"""What each ``telic`` command does; :mod:`scenarios.cli` only parses arguments.

Each function returns the exit code: 0 on success, 1 when the work failed (too many episodes
ended in an error, or ``--fail-fast``/``--cost-limit`` stopped the run), 2 for bad input (a
message on stderr, nothing written), 130 when a run was interrupted.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scenarios._load import ScenarioError
from scenarios._store import (
    OutputFolderError,
    OutputWriteError,
    check_output_folder,
)

BACKENDS = ("local", "ray")
CACHE_MODES = ("off", "read_write", "replay")


def parse_model_options(pairs: Sequence[str] | None, base_url: str | None = None) -> dict[str, Any]:
    """``-M key=value`` options (values read as YAML scalars: ``0.2``, ``true``, ``low``) plus
    ``--base-url``.

    Raises:
        ScenarioError: for an option without ``=`` or with an empty key.
    """
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(
                f"-M takes key=value (e.g. -M temperature=0 or -M reasoning_effort=low), "
                f"got {pair!r}"
            )
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value
        options[key.strip()] = parsed
    if base_url:
        options["base_url"] = base_url
    return options


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean bad input (exit code 2), not a bug."""
    import envs
    from agents import MissingAPIKeyError, MissingExtraError, ModelSpecError, PriceFileError
    from scenarios._lock import FolderLockedError

    errors: list[type[BaseException]] = [
        ScenarioError,
        PriceFileError,
        OutputFolderError,
        FolderLockedError,
        envs.UnknownEnvError,
        envs.UnknownPolicyError,
        ModelSpecError,
        MissingAPIKeyError,
        MissingExtraError,
        ImportError,  # a scenario's plugin module that cannot be imported
    ]
    try:
        from agents import BudgetConfigError

        errors.append(BudgetConfigError)
    except ImportError:
        pass
    return tuple(errors)


def fail(message: str) -> int:
    """Print ``error: message`` on stderr; returns exit code 2."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    # model text is never rich markup: print it literally
    return Console(stderr=stderr, markup=False, highlight=False, soft_wrap=True)


def run_command(
    scenario_path: str | Path,
    *,
    models: Sequence[str] | None = None,
    model_options: Sequence[str] | None = None,
    base_url: str | None = None,
    out: Path | None = None,
    resume: bool = False,
    retry_errors: bool = False,
    concurrency: int | None = None,
    backend: str = "local",
    ray_address: str | None = None,
    workers: int = 1,
    cache: str | None = None,
    progress: bool | None = None,
    report: bool = True,
    max_error_rate: float = 0.1,
    fail_fast: bool = False,
    cost_limit: float | None = None,
    prices: Path | None = None,
) -> int:
    """``telic run``: check everything, then run, then report."""
    from scenarios._bundled import resolve_scenario
    from scenarios._execute import Executor, LocalExecutor
    from scenarios._failures import failure_line, stop_condition, too_many_errors
    from scenarios._preflight import preflight
    from scenarios._runner import check_folder_splits, run_plan

    if backend not in BACKENDS:
        return fail(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if cache is not None and cache not in CACHE_MODES:
        return fail(f"--cache must be one of {', '.join(CACHE_MODES)}, got {cache!r}")
    if retry_errors and not resume:
        return fail("--retry-errors continues an earlier run: add --resume")
    if ray_address and backend != "ray":
        return fail("--ray-address needs --backend ray")
    if workers != 1 and backend != "local":
        return fail("--workers sets the local backend's processes; Ray places its own tasks")
    try:
        options = parse_model_options(model_options, base_url)
        path = resolve_scenario(scenario_path)
        prepared = preflight(
            path,
            models=models,
            concurrency=concurrency,
            cache=cache,
            model_options=options,
            price_file=prices,
            cost_limit=cost_limit,
        )
        plan = prepared.plan
        out_dir = out or Path("runs") / plan.scenario.name
        check_output_folder(out_dir, plan.scenario_hash, resume=resume)
        check_folder_splits(plan, out_dir)
        executor: Executor
        if backend == "ray":
            executor = _ray_executor(plan, ray_address)
        elif workers != 1:
            executor = _process_executor(plan, workers)
            backend = "processes"
        else:
            executor = LocalExecutor(prepared.models)
    except _user_errors() as exc:
        return fail(str(exc))
    console = _console(stderr=True)
    console.print(f"telic: {len(plan.episodes)} episodes in {plan.scenario.name!r} -> {out_dir}")
    if backend == "local":
        from scenarios._multiprocess import cpu_warning

        note = cpu_warning(concurrency or plan.scenario.concurrency.max_concurrency, 1)
        if note is not None:
            console.print(f"warning: {note}")
    try:
        stats = run_plan(
            plan,
            out_dir,
            executor,
            resume=resume,
            retry_errors=retry_errors,
            concurrency=concurrency,
            backend=backend,
            progress=progress,
            stop_when=stop_condition(fail_fast=fail_fast, cost_limit=cost_limit),
        )
    except _user_errors() as exc:  # the folder was taken or changed since the check above
        return fail(str(exc))
    except OutputWriteError as exc:  # the folder cannot be created or written at all
        print(f"error: {exc}", file=sys.stderr)
        return 1
    console.print(
        f"telic: {stats.finished} played, {stats.skipped} already recorded, "
        f"{stats.errors} errors; {stats.input_tokens + stats.output_tokens:,} tokens, "
        f"${stats.cost_usd:.2f}"
    )
    again = _resume_command(
        scenario_path, models, model_options, base_url, prices, cost_limit, out_dir
    )
    if stats.status == "stopped":
        print(f"error: run stopped by {stats.stopped_because}", file=sys.stderr)
        console.print(f"telic: finished episodes are kept. Continue with: {again}")
        return 1
    if stats.status != "completed":
        if stats.failure is not None:
            print(f"error: {stats.failure}", file=sys.stderr)
        console.print(
            f"telic: run {stats.status}; finished episodes are kept. Continue with: {again}"
        )
        return 1 if stats.status == "failed" else 130
    failed = too_many_errors(stats.errors, stats.finished, max_error_rate)
    code = _report(out_dir) if report else 0
    if stats.errors:
        line = failure_line(stats.error_records, stats.finished)
        if failed:
            print(f"error: {line} (more than --max-error-rate {max_error_rate:g})", file=sys.stderr)
        else:
            console.print(f"telic: {line}")
        console.print(f"telic: play them again with: {again} --retry-errors")
    return 1 if failed else code


def _resume_command(
    scenario: str | Path,
    models: Sequence[str] | None,
    model_options: Sequence[str] | None,
    base_url: str | None,
    prices: Path | None,
    cost_limit: float | None,
    out_dir: Path,
) -> str:
    """The ``telic run`` command that continues this run (same overrides, ``--resume``)."""
    import shlex

    parts = ["telic", "run", str(scenario)]
    for spec in models or []:
        parts += ["--model", spec]
    for pair in model_options or []:
        parts += ["-M", pair]
    if base_url:
        parts += ["--base-url", base_url]
    if prices:
        parts += ["--prices", str(prices)]
    if cost_limit is not None:
        parts += ["--cost-limit", f"{cost_limit:g}"]
    parts += ["--out", str(out_dir), "--resume"]
    return " ".join(shlex.quote(p) for p in parts)


def _ray_executor(plan: Any, address: str | None) -> Any:
    from scenarios._ray import RayExecutor, import_ray

    import_ray()  # a missing extra is bad input, reported as such
    from scenarios._prices import prices_for_workers

    try:
        return RayExecutor(
            cache=plan.scenario.cache,
            concurrency=plan.scenario.concurrency,
            plugins=plan.scenario.plugins,
            address=address,
            prices=prices_for_workers(plan.scenario),
        )
    except Exception as exc:  # ray raises ConnectionError, RuntimeError, ValueError, ...
        where = f"at {address!r}" if address else "locally"
        raise ScenarioError(f"could not start or reach Ray {where}: {exc}") from exc


def _process_executor(plan: Any, workers: int) -> Any:
    from scenarios._multiprocess import ProcessExecutor

    return ProcessExecutor(
        workers=workers,
        cache=plan.scenario.cache,
        concurrency=plan.scenario.concurrency,
        plugins=plan.scenario.plugins,
        models=plan.scenario.models,
    )


def _report(out_dir: Path, baseline: Path | None = None, workers: int | None = None) -> int:
    from scenarios._lock import FolderLockedError
    from scenarios._report import gd_table_rows, split_lines
    from scenarios._reporting import ReportInterrupted, write_report

    try:
        paths = write_report(out_dir, baseline_file=baseline, workers=workers)
    except (OutputFolderError, ScenarioError, FolderLockedError) as exc:
        return fail(str(exc))
    except ReportInterrupted as exc:
        print(f"telic: {exc}", file=sys.stderr)
        return 130
    except OutputWriteError as exc:
        print(f"error: {exc}; write the report later with: telic report {out_dir}", file=sys.stderr)
        return 1
    _print_gd_table(gd_table_rows(paths.summary))
    _print_outcomes(paths.summary)
    console = _console()
    for line in split_lines(paths.summary):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"report: {paths.html}")
    return 0


def _print_gd_table(rows: list[dict[str, str]]) -> None:
    from rich.table import Table

    console = _console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # a log file need not wrap at 80 columns
    if not rows:
        console.print("(no goal-directedness estimates: see report.md for why)")
        return
    table = Table(
        title="Goal-directedness (95% CI: two-level bootstrap over composite and subtask "
        "episodes; more intervals in report.md)"
    )
    for column in rows[0]:
        table.add_column(column)
    for row in rows:
        table.add_row(*row.values())
    console.print(table)


def _print_outcomes(summary: dict[str, Any]) -> None:
    """Per model and task: completion, return, regret, steps, invalid actions (always useful,
    and the only table when no task of the run has a goal-directedness declaration)."""
    from rich.table import Table

    from scenarios._html import fmt

    rows = summary.get("analysis", {}).get("usage", [])
    if not rows or summary.get("analysis", {}).get("gd"):
        return  # the GD table already says how the composite tasks went; report.md has more
    table = Table(title="Outcomes per model and task")
    for column in ("model", "task", "completed", "mean return", "regret", "steps", "invalid"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row.get("model")),
            str(row.get("task")),
            f"{row.get('n_completed')}/{row.get('n_episodes')}",
            fmt(row.get("mean_return")),
            fmt(row.get("regret_mean")),
            fmt(row.get("mean_steps")),
            fmt(row.get("invalid_action_rate")),
        )
    console = _console()
    if not console.is_terminal:
        console.width = max(console.width, 120)
    console.print(table)


def report_command(
    out_dir: Path, baseline: Path | None = None, *, workers: int | None = None
) -> int:
    """``telic report``: recompute the report files from ``episodes.jsonl`` (``workers``:
    processes that share the analysis, as in :func:`metrics.analyze`)."""
    if not (out_dir / "episodes.jsonl").exists():
        return fail(f"{str(out_dir)!r} has no episodes.jsonl; give the output folder of a run")
    return _report(out_dir, baseline, workers)


def validate_command(
    scenario_path: str | Path,
    *,
    models: Sequence[str] | None = None,
    model_options: Sequence[str] | None = None,
    base_url: str | None = None,
    prices: Path | None = None,
    cost_limit: float | None = None,
) -> int:
    """``telic validate``: schema check and dry run with estimates."""
    from scenarios._bundled import resolve_scenario
    from scenarios._preflight import check_models, estimate, preflight

    try:
        options = parse_model_options(model_options, base_url)
        prepared = preflight(
            resolve_scenario(scenario_path),
            models=models,
            build_models=False,
            model_options=options,
            price_file=prices,
            cost_limit=cost_limit,
        )
        check_models(prepared, strict_keys=False)
        est = estimate(prepared)
    except _user_errors() as exc:
        return fail(str(exc))
    plan = prepared.plan
    # plain lines (the text is the same a rich console prints; rich would cost a tenth of a
    # second of start-up and turn ":name:" in a scenario or model name into an emoji)
    print(f"scenario {plan.scenario.name!r} is valid (hash {plan.scenario_hash})")
    sequences = sum(1 for c in plan.chains if len(c.episodes) > 1)
    n_models = len(plan.scenario.models)
    print(
        f"  episodes: {est.episodes} ({n_models} model{'s' * (n_models != 1)}, "
        f"{len(plan.chains)} conversations, {sequences} of them stepped-context sequences)"
    )
    print(
        f"  model calls: about {est.typical_calls:,} (at the scripted oracle's pace), "
        f"at most {est.model_calls:,} (step caps)"
    )
    print(
        f"  tokens (rough): about {est.typical_input_tokens + est.typical_output_tokens:,}, "
        f"at most {est.input_tokens + est.output_tokens:,}"
    )
    cost = f"  cost (rough): about ${est.typical_cost_usd:,.2f}, at most ${est.cost_usd:,.2f}"
    if est.unpriced_models:
        cost += f" (no price known for {', '.join(est.unpriced_models)})"
    print(cost)
    from scenarios._prices import describe_price

    entries = {m.name: m for m in plan.scenario.models}
    for name, row in est.per_model.items():
        priced = name not in est.unpriced_models
        low = f" and ${row['typical_cost_usd']:,.2f}" if priced else ""
        high = f" and ${row['cost_usd']:,.2f}" if priced else ""
        print(
            f"    {name}: about {int(row['typical_calls']):,} calls{low}, "
            f"at most {int(row['model_calls']):,} calls{high}; {describe_price(entries[name])}"
        )
    if cost_limit is not None and est.typical_cost_usd > cost_limit:
        print(
            f"warning: the typical cost (${est.typical_cost_usd:,.2f}) exceeds --cost-limit "
            f"(${cost_limit:g}); the run will stop early"
        )
    for warning in prepared.warnings:
        print(f"warning: {warning}")
    return 0


def scenarios_command() -> int:
    """``telic scenarios``: the bundled scenarios, by name."""
    from rich.table import Table

    from scenarios._bundled import bundled_scenarios

    table = Table(title="Bundled scenarios (telic run NAME, telic validate NAME)")
    table.add_column("Name")
    table.add_column("Description")
    for item in bundled_scenarios():
        table.add_row(item.name, item.description)
    _console().print(table)
    return 0


def show_command(
    out_dir: Path,
    episode_id: str | None,
    *,
    filters: dict[str, Any] | None = None,
    limit: int = 50,
) -> int:
    """``telic show``: list a run's episodes (filtered), or print one transcript."""
    from scenarios._show import show

    try:
        return show(out_dir, episode_id, filters=filters or {}, limit=limit, console=_console())
    except (OutputFolderError, ScenarioError) as exc:
        return fail(str(exc))


def compare_command(
    runs: Sequence[Path],
    *,
    by: str | None = None,
    baseline: str | None = None,
    out: Path | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
) -> int:
    """``telic compare``: paired differences between the values of one key (or two runs)."""
    from scenarios._compare import CompareError, compare_runs, print_comparison

    try:
        result = compare_runs(
            list(runs), by=by, baseline=baseline, out=out, n_resamples=n_resamples, seed=seed
        )
    except (OutputFolderError, ScenarioError, CompareError) as exc:
        return fail(str(exc))
    print_comparison(result, _console())
    return 0


def envs_command() -> int:
    """``telic envs``: the registered environments."""
    from rich.table import Table

    import envs

    table = Table(title="Registered environments")
    table.add_column("ID")
    table.add_column("Description")
    table.add_column("Source")
    for entry in envs.registered_envs():
        table.add_row(entry.id, entry.description, entry.source)
    _console().print(table)
    return 0


def policies_command() -> int:
    """``telic policies``: the scripted policies."""
    from rich.table import Table

    import envs

    with contextlib.suppress(ImportError):
        import agents  # noqa: F401  (registers the built-in scripted policies)
    table = Table(title="Scripted policies (model spec scripted:<name>)")
    table.add_column("Name")
    table.add_column("Description")
    for name, doc in envs.policy_names().items():
        table.add_row(name, doc)
    _console().print(table)
    return 0


def hypotheses_infer_command(
    user_file: Path,
    *,
    model: str | None,
    out: Path | None,
    user: str | None = None,
    n: int = 8,
    k: int | None = None,
    reference: Path | None = None,
) -> int:
    """``telic hypotheses infer``: delegates to ``personalization.infer_hypotheses_cli``."""
    from agents import make_model
    from personalization import infer_hypotheses_cli as infer

    problems: tuple[type[BaseException], ...] = (*_user_errors(), FileNotFoundError, ValueError)
    try:
        code = infer(
            user_file, model=model, out=out, user=user, n=n, k=k, reference=reference,
            make_model=make_model,
        )  # fmt: skip
    except problems as exc:
        return fail(str(exc))
    return int(code or 0)


def hypotheses_write_command(source: Path, prompt: str, **options: Any) -> int:
    """``telic hypotheses write``: delegates to ``personalization.write_as_user_cli``."""
    from agents import make_model
    from personalization import write_as_user_cli

    # LookupError: a scripted model that does not know the writing task
    problems: tuple[type[BaseException], ...] = (
        *_user_errors(),
        FileNotFoundError,
        ValueError,
        LookupError,
    )
    try:
        return write_as_user_cli(source, prompt, make_model=make_model, **options)
    except problems as exc:
        return fail(str(exc))
