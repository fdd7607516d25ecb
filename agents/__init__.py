"""telic agents package."""

__telic_package__ = True

from typing import TYPE_CHECKING

from telic import lazy_exports, verify_layout

verify_layout()

# The agent runtime: a LangGraph agent <-> env loop, model specs and providers, retries, rate
# limits, usage and cost, and the LLM-call cache. See agents/_runner.py for the entry points.
from agents._cache import CACHE_MODES, LLMCache  # noqa: E402
from agents._check import check_model  # noqa: E402
from agents._config import PROMPT_VARIANTS, AgentConfig, Budget, Event  # noqa: E402
from agents._errors import (  # noqa: E402
    BudgetConfigError,
    CacheMissError,
    MissingAPIKeyError,
    MissingExtraError,
    ModelSpecError,
    ProviderError,
    UnknownProviderError,
)
from agents._limits import configure_limits  # noqa: E402
from agents._model import Model, ModelReply  # noqa: E402
from agents._moves import scripted_calls  # noqa: E402
from agents._pricing import (  # noqa: E402
    PriceFileError,
    cost_usd,
    load_price_file,
    parse_price,
    parse_prices,
    price_of,
    set_price,
    set_prices,
)
from agents._prompt import base_system_prompt, system_prompt  # noqa: E402
from agents._providers import (  # noqa: E402
    CLASHING_OPTIONS,
    PROVIDERS,
    is_reasoning_model,
    make_model,
    parse_spec,
    register_provider,
    uses_network,
)
from agents._retry import RetryPolicy  # noqa: E402

if TYPE_CHECKING:
    from agents._graph import build_graph
    from agents._runner import arun_episode, run_episode

# The agent graph and the episode runners load LangGraph (and LangChain's tracing stack), the
# slowest imports of the package; they are imported on first use, so commands that never play
# an episode (``telic validate``, ``telic envs``) start without them.
_LAZY = {
    "build_graph": "agents._graph",
    "arun_episode": "agents._runner",
    "run_episode": "agents._runner",
}


__getattr__ = lazy_exports(globals(), _LAZY)


__all__ = [
    "CACHE_MODES",
    "CLASHING_OPTIONS",
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
    "PriceFileError",
    "ProviderError",
    "RetryPolicy",
    "UnknownProviderError",
    "arun_episode",
    "base_system_prompt",
    "build_graph",
    "check_model",
    "configure_limits",
    "cost_usd",
    "is_reasoning_model",
    "load_price_file",
    "make_model",
    "parse_price",
    "parse_prices",
    "parse_spec",
    "price_of",
    "register_provider",
    "run_episode",
    "scripted_calls",
    "set_price",
    "set_prices",
    "system_prompt",
    "uses_network",
]
