"""The quickest way into the commonest commands: ``telic validate SCENARIO`` with nothing else
runs without building the typer app (typer, click and the app's option tables).

:func:`quick_command` handles only argument lists whose meaning cannot depend on the parser
(a known command followed by one positional that is not an option) and returns ``None`` for
everything else, which :func:`scenarios.cli.run_cli` then parses as always; a command that runs
here prints and exits exactly as through the full command line.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


def quick_command(args: Sequence[str]) -> int | None:
    """Run ``args`` without the typer app when they are ``validate SCENARIO``; the exit code, or
    ``None`` when the full command line must parse them."""
    if len(args) != 2 or args[0] != "validate" or not args[1] or args[1].startswith("-"):
        return None
    # A dry run builds objects it keeps (the imported modules, the plan's specs) and makes
    # little cyclic garbage, so the collector's passes over them are wasted: about a tenth of
    # the command's time. It is paused for the command and restored after it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with one_blas_thread():
            from scenarios._commands import validate_command

            return validate_command(args[1])
    except KeyboardInterrupt:
        print("aborted", file=sys.stderr)
        return 130
    finally:
        if was_enabled:
            gc.enable()


#: The variables that size the BLAS thread pool numpy's OpenBLAS starts when it is imported.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS",)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Size OpenBLAS's thread pool at one thread for a command that does no linear algebra
    (``telic validate``), when numpy is not loaded yet and the user set no size.

    numpy's OpenBLAS starts a thread per core as numpy is imported; on a small machine their
    start took more CPU than the rest of the dry run's imports (benchmarks/bench_speed.py:
    0.86 s CPU for 0.76 s wall on 2 cores). The variable is removed again afterwards, so
    processes started later get the default."""
    set_here = []
    if "numpy" not in sys.modules:
        for name in BLAS_THREAD_VARIABLES:
            if name not in os.environ:
                os.environ[name] = "1"
                set_here.append(name)
    try:
        yield
    finally:
        for name in set_here:
            os.environ.pop(name, None)
