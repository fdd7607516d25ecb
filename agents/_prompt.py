"""The agent's system prompt (spec 1.5, in our own words).

The prompt tells the model it acts in an interactive environment, that each reply carries one
action (inside ``< >`` in the tags protocol, one tool call in the tools protocol) and that it
may reason before acting. An optional extra sentence (the prompt variant) and an optional
personalization block follow, each as its own paragraph.
"""

from __future__ import annotations

_INTRO = (
    "You are an agent acting in an interactive environment, working to accomplish the task "
    "you are given."
)
_TAGS = (
    "Every reply is one action: write exactly one action inside angle brackets, for example "
    "<help>, and put no other angle brackets in the reply. You may think step by step before "
    "you write the action."
)
_TOOLS = (
    "Every reply is one action: call exactly one of the provided tools. You may think step by "
    "step before you make the call."
)


def base_system_prompt(protocol: str) -> str:
    """The built-in system prompt for ``protocol`` (``tags`` or ``tools``).

    >>> base_system_prompt("tags").startswith("You are an agent")
    True
    """
    if protocol not in ("tags", "tools"):
        raise ValueError(f"protocol must be 'tags' or 'tools', got {protocol!r}")
    return f"{_INTRO} {_TAGS if protocol == 'tags' else _TOOLS}"


def system_prompt(
    protocol: str,
    *,
    extra_prompt: str | None = None,
    personalization: str | None = None,
    base: str | None = None,
) -> str:
    """The full system prompt: base, then the extra sentence, then the personalization block.

    Args:
        protocol: ``tags`` or ``tools``.
        extra_prompt: The prompt variant's sentence, or ``None``.
        personalization: A personalization block, or ``None``.
        base: Replaces the built-in base prompt when given.
    """
    parts = [base if base is not None else base_system_prompt(protocol)]
    for extra in (extra_prompt, personalization):
        if extra and extra.strip():
            parts.append(extra.strip())
    return "\n\n".join(parts)
