"""``python -m benchmarks.run_all NAME`` rewrites only the named sections of BENCHMARKS.md."""

from __future__ import annotations

from benchmarks.run_all import BENCHMARKS, splice

DOC = (
    "# Benchmarks\n\nheader\n\n"
    f"## {BENCHMARKS['envs']}\n\nold envs\n\n"
    f"## {BENCHMARKS['runner']}\n\nold runner\n\n"
    f"## {BENCHMARKS['users']}\n\nold users\n"
)


def test_a_named_section_is_replaced_and_the_others_kept() -> None:
    text = splice(DOC, {"runner": f"## {BENCHMARKS['runner']}\n\nnew runner\n"})
    assert "new runner" in text and "old runner" not in text
    assert text.index("old envs") < text.index("new runner") < text.index("old users")
    assert text.startswith("# Benchmarks\n\nheader\n\n")


def test_a_missing_section_is_appended_then_replaced() -> None:
    once = splice(DOC, {"speed": f"## {BENCHMARKS['speed']}\n\nfirst\n"})
    assert once.startswith(DOC.rstrip("\n")) and once.endswith("first\n")
    twice = splice(once, {"speed": f"## {BENCHMARKS['speed']}\n\nsecond\n"})
    assert "first" not in twice and twice.endswith("second\n") and "old users" in twice
