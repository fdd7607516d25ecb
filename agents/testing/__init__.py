"""Test doubles for the agent runtime: a fake LLM provider over real HTTP.

``FakeProviderServer`` speaks the OpenAI chat-completions and Anthropic messages wire formats on
127.0.0.1, so the real SDKs can play full episodes offline, with injectable faults.

>>> from agents.testing import FakeProviderServer
>>> with FakeProviderServer(responder=lambda request: FakeReply(text="<help>")) as server:
...     server.openai_base_url.startswith("http://127.0.0.1:")
True
"""

from agents.testing._server import (
    FAULT_KINDS,
    FakeProviderServer,
    Fault,
    PolicyResponder,
    Responder,
)
from agents.testing._wire import FakeReply, FakeRequest

__all__ = [
    "FAULT_KINDS",
    "FakeProviderServer",
    "FakeReply",
    "FakeRequest",
    "Fault",
    "PolicyResponder",
    "Responder",
]
