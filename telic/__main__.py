"""Entry point of the ``telic`` console script and of ``python -m telic``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Check the package layout, then hand over to the CLI in :mod:`scenarios.cli`."""
    from telic._layout import ForeignPackageError, verify_layout

    try:
        verify_layout()
    except ForeignPackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from scenarios.quick import quick_command

    args = list(sys.argv[1:] if argv is None else argv)
    code = quick_command(args)
    if code is not None:
        return code
    from scenarios.cli import run_cli

    return run_cli(args)


if __name__ == "__main__":
    sys.exit(main())
