"""The ``telic`` Inspect model provider: any telic model spec as an Inspect model.

``inspect eval ... --model telic/scripted:oracle`` plays telic's scripted oracle through
Inspect; ``--model telic/local:smollm2`` the embedded model; ``-M key=value`` options go to
:func:`agents.make_model` (a scripted policy's parameters, ``seed``, ``temperature``...).

A scripted policy served this way is a **plumbing check**: it shows that episodes, tool calls,
scores and logs pass through Inspect intact, not how any language model behaves. It reads the
same observations it reads in ``telic run``; inside a telic task the solver passes the env
seed as the generation ``seed``, which goes to the model's ``for_episode`` as in ``telic run``,
so its random choices are the ones ``telic run`` draws for the same seeds.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput
from inspect_ai.tool import ToolChoice, ToolInfo

from scenarios.inspect_bridge._convert import (
    inspect_to_langchain,
    output_from_langchain,
    tools_from_inspect,
)


class TelicModelAPI(ModelAPI):
    """An Inspect model API that answers with a telic model (``agents.make_model(spec)``)."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, [], config or GenerateConfig())
        from agents import make_model

        options = dict(model_args)
        if base_url is not None:
            options.setdefault("base_url", base_url)
        if api_key is not None:
            options.setdefault("api_key", api_key)
        self._telic = make_model(model_name, **options)

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        """One call of the telic model on Inspect's messages and tools."""
        model = self._telic if config.seed is None else self._telic.for_episode(config.seed)
        reply = await model.acall(
            inspect_to_langchain(input), tools=tools_from_inspect(tools) or None
        )
        return output_from_langchain(reply.message, f"telic/{self.model_name}")
