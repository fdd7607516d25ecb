"""Settings shared by the whole suite.

Property-based tests run derandomized (the same examples on every run and machine) and with no
per-example deadline (machines here are shared, so timings are noise): the suite stays
deterministic, as telic's tests promise. `HYPOTHESIS_PROFILE=explore` searches afresh.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "deterministic",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

# LangSmith tracing stalls without a network; make sure no test turns it on by accident. Every
# spelling LangSmith reads is set: the first one set wins, so a stray `LANGSMITH_TRACING_V2=true`
# in the machine's environment would otherwise turn tracing back on.
for _name in ("LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING",
              "LANGCHAIN_TRACING"):  # fmt: skip
    os.environ[_name] = "false"

# The suite is hermetic: nothing from the machine's environment may change what a test sees,
# here or in the subprocesses it starts (which inherit this environment). CI machines often set
# some of these: real provider keys and addresses (a test expecting "no key" would get one; the
# SDKs would send the fake server's traffic elsewhere), proxies (127.0.0.1 would go through
# them), a Ray cluster address, Inspect defaults, and terminal settings that make rich draw
# progress bars and colours into captured output (FORCE_COLOR) or wrap its tables (COLUMNS).
_MACHINE_SETTINGS = (
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OPENAI_ORG_ID", "OPENAI_ORGANIZATION",
    "OPENAI_PROJECT_ID", "OPENAI_PROXY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL", "ANTHROPIC_API_URL", "GEMINI_API_KEY", "TELIC_OPENAI_FAST_PATH",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "RAY_ADDRESS", "FORCE_COLOR", "NO_COLOR", "CLICOLOR_FORCE", "TTY_COMPATIBLE",
    "TTY_INTERACTIVE", "COLUMNS", "LINES",
)  # fmt: skip
for _name in [*_MACHINE_SETTINGS, *(n for n in os.environ if n.startswith("INSPECT_"))]:
    os.environ.pop(_name, None)
