"""The ``telic`` command line: run, report, validate, show, compare, scenarios, envs, policies,
hypotheses.

Every command checks its input before doing anything: a bad scenario, an unknown env ID or
model spec, a missing API key or an output folder that belongs to another scenario prints one
clear message on stderr and exits with code 2, with nothing written. :func:`run_cli` is the
entry point (``telic`` and ``python -m telic`` call it) and returns the exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scenarios import _commands as commands

app = typer.Typer(
    name="telic",
    help="Study LLM agents in simulated environments (goal-directedness, personalization).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
hypotheses_app = typer.Typer(
    help="HyPerAlign hypotheses about users.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(hypotheses_app, name="hypotheses")

ScenarioArg = Annotated[
    str,
    typer.Argument(
        metavar="SCENARIO",
        help="Scenario YAML file, or the name of a bundled scenario (telic scenarios lists them).",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="SPEC",
        help="Model spec replacing the scenario's models (repeat for several).",
        show_default=False,
    ),
]
ModelOptionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model-option",
        "-M",
        metavar="KEY=VALUE",
        help="Option for every model (e.g. -M temperature=0 -M reasoning_effort=low); repeat.",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        help="Server address for openai-compatible models (sets base_url on every model).",
        show_default=False,
    ),
]
PricesOpt = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="Price file (YAML or JSON: spec -> {input, output} USD per million tokens).",
        show_default=False,
    ),
]
CostLimitOpt = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        metavar="USD",
        help="Stop the run once its episodes have cost this many US dollars.",
        show_default=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        from telic import __version__

        print(f"telic {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Study LLM agents in simulated environments (goal-directedness, personalization)."""


@app.command()
def run(
    scenario: ScenarioArg,
    model: ModelOpt = None,
    model_option: ModelOptionOpt = None,
    base_url: BaseUrlOpt = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR", help="Output folder (default: runs/<scenario name>).", show_default=False
        ),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue a run of the same scenario in --out.")
    ] = False,
    retry_errors: Annotated[
        bool,
        typer.Option(
            "--retry-errors", help="With --resume, play again the episodes that ended in an error."
        ),
    ] = False,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, metavar="N", help="Episodes in flight at once (default: the scenario's)."
        ),
    ] = None,
    backend: Annotated[
        str, typer.Option(metavar="local|ray", help="Where episodes run: local (asyncio) or ray.")
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            metavar="ADDR", help="Address of a Ray cluster (default: start a local instance)."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            metavar="N",
            help="Local worker processes that play the episodes (0: one per core; "
            "default 1: this process).",
        ),
    ] = 1,
    cache: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="LLM-call cache mode: off, read_write or replay (default: the scenario's).",
        ),
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar (default: when on a terminal)."
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the report when the run ends.")
    ] = True,
    max_error_rate: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="RATE",
            help="Exit 1 when more than this share of the episodes played ended in an error "
            "(0: fail on any error).",
        ),
    ] = 0.1,
    fail_fast: Annotated[
        bool,
        typer.Option(
            "--fail-fast",
            help="Stop at the first episode that failed on a provider's authentication or "
            "connection error.",
        ),
    ] = False,
    cost_limit: CostLimitOpt = None,
    prices: PricesOpt = None,
) -> None:
    """Run a scenario: play every episode not yet recorded in the output folder."""
    code = commands.run_command(
        scenario,
        models=model,
        model_options=model_option,
        base_url=base_url,
        max_error_rate=max_error_rate,
        fail_fast=fail_fast,
        cost_limit=cost_limit,
        prices=prices,
        out=out,
        resume=resume,
        retry_errors=retry_errors,
        concurrency=concurrency,
        backend=backend,
        ray_address=ray_address,
        workers=workers,
        cache=cache,
        progress=progress,
        report=report,
    )
    _exit(code)


@app.command("report")
def report_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="DIR|LOG",
            help="Output folder of a run, or Inspect log files / folders of them.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="With Inspect logs: where to write the report (default runs/inspect-report).",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Another method's outputs (JSONL) to judge against."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Processes that share the analysis (default: one per core for large runs, "
            "else 1; the result is the same).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Recompute summary.json, report.md, report.html and plots from episodes.jsonl (or from
    the episodes in Inspect logs of telic tasks, see docs/inspect.md)."""
    from scenarios.inspect_bridge._cli import report_logs_command
    from scenarios.inspect_bridge._read import is_inspect_log

    if any(is_inspect_log(p) for p in paths):
        _exit(report_logs_command(paths, out))
    elif len(paths) > 1 or out is not None:
        _exit(commands.fail("give one run folder (or Inspect logs, with --out)"))
    else:
        _exit(commands.report_command(paths[0], baseline, workers=workers))


@app.command()
def validate(
    scenario: ScenarioArg,
    model: ModelOpt = None,
    model_option: ModelOptionOpt = None,
    base_url: BaseUrlOpt = None,
    prices: PricesOpt = None,
    cost_limit: CostLimitOpt = None,
) -> None:
    """Check a scenario and estimate its episodes, model calls, tokens and cost (dry run)."""
    from scenarios.quick import one_blas_thread

    with one_blas_thread():
        code = commands.validate_command(
            scenario,
            models=model,
            model_options=model_option,
            base_url=base_url,
            prices=prices,
            cost_limit=cost_limit,
        )
    _exit(code)


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the bundled scenarios (give their names to run and validate)."""
    _exit(commands.scenarios_command())


def _filter(help_text: str) -> Any:
    return typer.Option(metavar="VALUE", help=help_text, show_default=False)


@app.command()
def show(
    out: Annotated[
        Path, typer.Argument(metavar="DIR", help="Output folder of a run.", show_default=False)
    ],
    episode_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[EPISODE_ID]",
            help="Episode id, or a unique prefix of one (without it: list the episodes).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[str | None, _filter("Only episodes of this model.")] = None,
    task: Annotated[str | None, _filter("Only episodes of this task.")] = None,
    seed: Annotated[int | None, _filter("Only episodes with this seed.")] = None,
    protocol: Annotated[str | None, _filter("Only episodes of this protocol.")] = None,
    variant: Annotated[str | None, _filter("Only episodes of this prompt variant.")] = None,
    condition: Annotated[str | None, _filter("Only episodes of this condition.")] = None,
    stop_reason: Annotated[
        str | None, _filter("Only episodes that stopped so (e.g. error, goal, truncated).")
    ] = None,
    limit: Annotated[
        int, typer.Option(min=0, metavar="N", help="List at most N episodes (0: all).")
    ] = 50,
) -> None:
    """List a run's episodes (filtered), or print one episode's transcript."""
    filters = {
        "model": model,
        "task": task,
        "seed": seed,
        "protocol": protocol,
        "variant": variant,
        "condition": condition,
        "stop_reason": stop_reason,
    }
    _exit(commands.show_command(out, episode_id, filters=filters, limit=limit))


@app.command()
def compare(
    runs: Annotated[
        list[Path],
        typer.Argument(
            metavar="DIR [DIR2]",
            help="One run folder (compare within it) or two (compare them on the same seeds).",
            show_default=False,
        ),
    ],
    by: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="What differs: model, variant, protocol or condition (default: with two "
            "folders, the folder; with one, the only key with several values).",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            metavar="VALUE",
            help="The value the others are compared with (default: the first one).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write compare.json, compare.md and the plot here (default: the first run's "
            "folder).",
            show_default=False,
        ),
    ] = None,
    n_resamples: Annotated[
        int, typer.Option(min=100, metavar="N", help="Bootstrap resamples.")
    ] = 2000,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the bootstrap.")] = 0,
) -> None:
    """Paired differences (GD, return, regret, completion) with bootstrap CIs over seeds."""
    _exit(
        commands.compare_command(
            runs, by=by, baseline=baseline, out=out, n_resamples=n_resamples, seed=seed
        )
    )


@app.command("envs")
def envs_cmd() -> None:
    """List the registered environments (built-in and plugins) with descriptions."""
    _exit(commands.envs_command())


@app.command()
def policies() -> None:
    """List the scripted policies (model specs scripted:<name>) with their docs."""
    _exit(commands.policies_command())


@hypotheses_app.command("infer")
def hypotheses_infer(
    user_file: Annotated[
        Path,
        typer.Argument(
            metavar="USER_FILE", help="File with the user's example texts.", show_default=False
        ),
    ],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            metavar="SPEC",
            help="Model spec for inference (default: the offline stylometric inferer).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Also save the hypotheses here as JSON."),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(metavar="ID", help="Only this user of the file (default: every user)."),
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="Hypotheses per user.")] = 8,
    k: Annotated[
        int | None, typer.Option("--k", min=1, help="Infer from the first K texts (default all).")
    ] = None,
    reference: Annotated[
        Path | None,
        typer.Option(metavar="PATH", help="Authors the offline z-scores compare against."),
    ] = None,
) -> None:
    """Infer hypotheses about a user from their texts (a folder of .txt files, a .txt, a
    JSONL or CSV file, or synthetic:<name>); offline unless --model is given."""
    _exit(
        commands.hypotheses_infer_command(
            user_file, model=model, out=out, user=user, n=n, k=k, reference=reference
        )
    )


@hypotheses_app.command("write")
def hypotheses_write(
    source: Annotated[Path, typer.Argument(metavar="USER_FILE", show_default=False)],
    prompt: Annotated[str, typer.Option("--prompt", "-p", help="The task to write for.")],
    model: Annotated[str, typer.Option("--model", "-m", metavar="SPEC", help="Generator.")],
    condition: Annotated[str, typer.Option(help="none, hypotheses, swap, generic, ...")] = (
        "hypotheses"
    ),
    user: Annotated[str | None, typer.Option(metavar="ID", help="Which user.")] = None,
    hypotheses: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Saved hypotheses (else inferred).")
    ] = None,
    inferer: Annotated[str | None, typer.Option(metavar="SPEC", help="Inferer model.")] = None,
    reference: Annotated[Path | None, typer.Option(metavar="PATH")] = None,
    genre: Annotated[str | None, typer.Option(help="The task's genre.")] = None,
    task: Annotated[str, typer.Option(help="writing or deliberative.")] = "writing",
) -> None:
    """Write a text as a user for a prompt, under one condition, with one model."""
    _exit(
        commands.hypotheses_write_command(
            source,
            prompt,
            model=model,
            condition=condition,
            user=user,
            hypotheses=hypotheses,
            inferer=inferer,
            reference=reference,
            genre=genre,
            task=task,
        )
    )


export_app = typer.Typer(
    help="Write a run in another tool's format.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(export_app, name="export")


@export_app.command("inspect")
def export_inspect(
    run_dir: Annotated[
        Path, typer.Argument(metavar="RUN", help="Output folder of a run.", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Where to write the logs (default: RUN/inspect)."),
    ] = None,
) -> None:
    """Write the run as Inspect AI eval logs (one per model, env and protocol) for inspect view."""
    from scenarios.inspect_bridge._cli import export_inspect_command

    _exit(export_inspect_command(run_dir, out))


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


def _usage_error(exc: typer.TyperException) -> int:
    """One line for a usage error (the pinned typer raises its own bundled click exceptions,
    all of them :class:`typer.TyperException`), with where to find the usage."""
    context = getattr(exc, "ctx", None)
    command = getattr(context, "command_path", None) or "telic"
    if getattr(context, "info_name", None) is None:
        command = "telic"
    message = " ".join(exc.format_message().split())
    if type(exc).__name__ == "NoArgsIsHelpError":  # `telic` alone, or a group alone
        print(exc.format_message())
        return 0 if command == "telic" else 2
    print(f"error: {message} (see '{command} --help')", file=sys.stderr)
    return int(getattr(exc, "exit_code", 2)) or 2


def run_cli(argv: list[str] | None = None) -> int:
    """Run the ``telic`` command line with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit code (0 success, 1 work failed, 2 bad input, 130 interrupted)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result: Any = app(args=args, prog_name="telic", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.TyperException as exc:
        return _usage_error(exc)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        return 130
    return result if isinstance(result, int) else 0
