"""The ``telic`` command line: run, report, validate, show, envs, policies, hypotheses.

Every command checks its input before doing anything: a bad scenario, an unknown env ID or
model spec, a missing API key or an output folder that belongs to another scenario prints one
clear message on stderr and exits with code 2, with nothing written. :func:`run_cli` is the
entry point (``telic`` and ``python -m telic`` call it) and returns the exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import click
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
    Path,
    typer.Argument(
        metavar="SCENARIO", help="Scenario YAML file (see docs/scenarios.md).", show_default=False
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


@app.command()
def run(
    scenario: ScenarioArg,
    model: ModelOpt = None,
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
) -> None:
    """Run a scenario: play every episode not yet recorded in the output folder."""
    code = commands.run_command(
        scenario,
        models=model,
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
        _exit(commands.report_command(paths[0], baseline))


@app.command()
def validate(scenario: ScenarioArg, model: ModelOpt = None) -> None:
    """Check a scenario and estimate its episodes, model calls, tokens and cost (dry run)."""
    _exit(commands.validate_command(scenario, models=model))


@app.command()
def show(
    out: Annotated[
        Path, typer.Argument(metavar="DIR", help="Output folder of a run.", show_default=False)
    ],
    episode_id: Annotated[
        str,
        typer.Argument(
            metavar="EPISODE_ID", help="Episode id, or a unique prefix of one.", show_default=False
        ),
    ],
) -> None:
    """Print one episode's transcript."""
    _exit(commands.show_command(out, episode_id))


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


def run_cli(argv: list[str] | None = None) -> int:
    """Run the ``telic`` command line with ``argv`` (default: ``sys.argv[1:]``); returns the
    exit code (0 success, 2 bad input, 130 interrupted)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result: Any = app(args=args, prog_name="telic", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        return 130
    return result if isinstance(result, int) else 0
