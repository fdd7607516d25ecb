"""telic agents package."""

__telic_package__ = True

from telic import verify_layout

verify_layout()

# The agent runtime: a LangGraph agent <-> env loop, model specs and providers, retries, rate
# limits, usage and cost, and the LLM-call cache. See agents/_runner.py for the entry points.
from agents._cache import CACHE_MODES, LLMCache  # noqa: E402
from agents._config import PROMPT_VARIANTS, AgentConfig, Budget, Event  # noqa: E402
from agents._errors import (  # noqa: E402
    BudgetConfigError,
    CacheMissError,
    MissingAPIKeyError,
    MissingExtraError,
    ModelSpecError,
    ProviderError,
)
from agents._graph import build_graph  # noqa: E402
from agents._limits import configure_limits  # noqa: E402
from agents._model import Model, ModelReply  # noqa: E402
from agents._pricing import cost_usd, price_of, set_price  # noqa: E402
from agents._prompt import base_system_prompt, system_prompt  # noqa: E402
from agents._providers import PROVIDERS, make_model, parse_spec  # noqa: E402
from agents._retry import RetryPolicy  # noqa: E402
from agents._runner import arun_episode, run_episode  # noqa: E402

__all__ = [
    "CACHE_MODES",
    "PROMPT_VARIANTS",
    "PROVIDERS",
    "AgentConfig",
    "Budget",
    "BudgetConfigError",
    "CacheMissError",
    "Event",
    "LLMCache",
    "MissingAPIKeyError",
    "MissingExtraError",
    "Model",
    "ModelReply",
    "ModelSpecError",
    "ProviderError",
    "RetryPolicy",
    "arun_episode",
    "base_system_prompt",
    "build_graph",
    "configure_limits",
    "cost_usd",
    "make_model",
    "parse_spec",
    "price_of",
    "run_episode",
    "set_price",
    "system_prompt",
]
