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

# LangSmith tracing stalls without a network; make sure no test turns it on by accident.
os.environ["LANGCHAIN_TRACING_V2"] = "false"
os.environ["LANGSMITH_TRACING"] = "false"
