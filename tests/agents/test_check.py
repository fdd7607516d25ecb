"""``check_model`` answers what ``make_model`` answers, without building scripted models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents import RetryPolicy, make_model
from agents._check import check_model

CASES: list[tuple[str, dict[str, Any]]] = [
    ("scripted:oracle", {}),
    ("scripted:noisy", {"seed": 3, "temperature": 0.2, "timeout": 5}),
    ("scripted:nonexistent", {}),
    ("scripted:oracle", {"no_such_param": 1}),
    ("scripted:oracle", {"max_retries": 2}),
    ("scripted:oracle", {"max_reply_chars": 0}),
    ("scripted:oracle", {"max_reply_chars": 100, "max_attempts": 2, "rpm": 60}),
    ("scripted:oracle", {"max_concurrency": 0}),
    ("scripted:oracle", {"retry": "three times"}),
    ("scripted:oracle", {"retry": RetryPolicy(max_attempts=1)}),
    ("scripted:oracle", {"price": {"input": 1.0}}),
    ("scripted:oracle", {"reasoning_effort": "low", "thinking_budget": 2048}),
    ("scripted:", {}),
    ("nosuchprovider:x", {}),
    ("openai-compatible:m", {}),
    ("openai-compatible:m", {"base_url": "http://127.0.0.1:9/v1"}),
]


def _outcome(fn: Any, spec: str, options: dict[str, Any]) -> tuple[str, str] | None:
    try:
        fn(spec, **dict(options))
    except Exception as exc:
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize(("spec", "options"), CASES, ids=[f"{s}-{sorted(o)}" for s, o in CASES])
def test_check_model_raises_what_make_model_raises(
    spec: str, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import agents._limits

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    # make_model sets the provider's limits (rpm, max_concurrency): keep them to this test
    monkeypatch.setattr(agents._limits, "_LIMITERS", {})
    assert _outcome(check_model, spec, options) == _outcome(make_model, spec, options)


def test_checking_a_scripted_spec_loads_no_langchain() -> None:
    code = (
        "from agents._check import check_model\n"
        "check_model('scripted:noisy', seed=1, temperature=0.3)\n"
        "import sys\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "langchain_core" not in result.stdout
    assert "langgraph" not in result.stdout
