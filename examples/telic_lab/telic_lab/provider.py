"""The ``lab`` provider's factory: one LangChain chat model per ``lab:<model>`` spec.

The gateway speaks OpenAI's wire format, so the chat model is ``ChatOpenAI`` pointed at it. The
module is imported the first time a spec names the provider, not when the provider is
registered, so registering it costs no SDK import.
"""

from __future__ import annotations

import os
from typing import Any

from agents import ModelSpecError


def chat_model(model: str, spec: str, options: dict[str, Any]) -> Any:
    """The chat model of ``spec`` (``lab:<model>``); ``options`` are the spec's options."""
    base_url = options.pop("base_url", None) or os.environ.get("LAB_BASE_URL")
    if not base_url:
        raise ModelSpecError(
            f"{spec!r} needs the gateway's address: set LAB_BASE_URL or pass base_url"
        )
    api_key = options.pop("api_key", None) or os.environ.get("LAB_API_KEY") or "none"
    from langchain_openai import ChatOpenAI

    # telic retries every call itself (and records each retry): the client must not retry.
    return ChatOpenAI(model=model, base_url=base_url, api_key=api_key, max_retries=0, **options)
