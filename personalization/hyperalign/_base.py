"""A text environment whose episode is one submitted piece of text.

The personalized environments ask the agent for a single text (an email written as a user, an
answer to a request). Texts contain any characters, including ``<`` and ``>``, and their case
matters, so the default tag parser (which lower-cases and allows one ``<``) cannot read them.
:class:`SingleTextEnv` reads the action itself:

* ``protocol="tools"``: one tool call, ``submit_text(text=...)`` (or the subclass's name).
* ``protocol="tags"``: the text inside ``<text>...</text>`` or ``<text ...>`` (everything up to
  the last ``>``) if the reply has such a tag; otherwise the whole reply is the text, unless
  ``require_tag=True``. An empty text is an invalid action.

The episode ends at the first valid submission; ``max_attempts`` invalid replies truncate it.

``prompt_choice`` (subclasses): ``random`` draws the episode's prompt from the seeded
generator; ``seed`` takes prompt number ``seed % count``, so seeds ``0..count-1`` cover every
prompt exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from envs import ActionError, ActionSpec, Outcome, Param, ParsedAction, TextEnv

PROMPT_CHOICES: tuple[str, ...] = ("random", "seed")


def check_prompt_choice(value: str) -> str:
    """Validate a ``prompt_choice`` kwarg."""
    if value not in PROMPT_CHOICES:
        raise ValueError(f"prompt_choice must be one of {list(PROMPT_CHOICES)}, got {value!r}")
    return value


class SingleTextEnv(TextEnv):
    """Base class of envs whose only action is submitting one text (see module docstring)."""

    #: Tool name of the submission.
    action_name: ClassVar[str] = "submit_text"
    #: The tag word in the tag protocol (``<text ...>``).
    tag_word: ClassVar[str] = "text"
    #: What the text is, for the tool description.
    action_description: ClassVar[str] = "Submit your text. This ends the episode."
    #: The HyPerAlign generation task of the env's own system prompt (``writing`` or
    #: ``deliberative``; ``personalization.hyperalign_system_prompt``).
    generation_task: ClassVar[str] = "writing"

    def __init__(
        self,
        *,
        require_tag: bool = False,
        max_attempts: int = 3,
        protocol: str = "tags",
        render_mode: str | None = None,
        own_prompt: bool = False,
        strip_wrappers: bool = False,
    ) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        self.own_prompt = bool(own_prompt)
        self.strip_wrappers = bool(strip_wrappers)
        if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a positive integer, got {max_attempts!r}")
        self.require_tag = bool(require_tag)
        self.max_attempts = max_attempts
        self.submitted: str | None = None
        self._reset_seed: int | None = None
        self._spec = ActionSpec(
            name=self.action_name,
            template=f"{self.tag_word} {{text}}",
            description=self.action_description,
            params=(Param("text", "text", "the complete text, exactly as it should read"),),
        )
        word = re.escape(self.tag_word)
        self._closed_tag = re.compile(rf"<\s*{word}\s*>(.*?)<\s*/\s*{word}\s*>", re.S | re.I)
        self._open_tag = re.compile(rf"<\s*{word}(?=[\s:>])", re.I)

    # ------------------------------------------------------------------ TextEnv hooks
    def action_specs(self) -> Sequence[ActionSpec]:
        return (self._spec,)

    @property
    def step_cap(self) -> int:
        return self.max_attempts

    def parse_action(self, action: str) -> ParsedAction:
        if self.protocol == "tools":
            return super().parse_action(action)
        if not isinstance(action, str):
            raise ActionError("the reply must be text")
        text = self._extract(action)
        if not text.strip():
            raise ActionError(
                f"The {self.tag_word} is empty. Write the complete {self.tag_word} "
                f"(your whole reply, or inside <{self.tag_word} ...>)."
            )
        return ParsedAction(self.action_name, {"text": text.strip()})

    def _extract(self, reply: str) -> str:
        closed = self._closed_tag.search(reply)
        if closed:
            return closed.group(1)
        opened = self._open_tag.search(reply)
        if opened and reply[opened.end() :].lstrip(" ").startswith(">"):
            # "<text>..." without a closing tag: everything after the tag is the text
            return reply[opened.end() :].lstrip(" ")[1:]
        if opened:
            end = reply.rfind(">")
            if end < opened.end():
                raise ActionError(f"The <{self.tag_word} ...> tag is not closed; end it with '>'.")
            return reply[opened.end() : end].lstrip(" :")
        if self.require_tag:
            raise ActionError(
                f"No <{self.tag_word} ...> tag found. Put your {self.tag_word} inside "
                f"<{self.tag_word} ...>."
            )
        return reply

    def _error_observation(self, reason: str) -> str:
        left = self.max_attempts - self.steps
        return f"Error: {reason} Attempts left: {left}."

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self._reset_seed = seed
        return super().reset(seed=seed, options=options)

    def _start(self) -> str:
        self.submitted = None
        return self._begin()

    def _pick(self, count: int, prompt_choice: str) -> int:
        """Index of the episode's case: ``seed % count`` with ``prompt_choice="seed"`` and a
        seed, otherwise drawn from ``self.np_random``."""
        seed = getattr(self, "_reset_seed", None)
        if prompt_choice == "seed" and seed is not None:
            return int(seed) % count
        return int(self.np_random.integers(count))

    def system_prompt(self, personalization: str | None = None) -> str | None:
        """With ``own_prompt``: HyPerAlign's generation prompt for this task with the
        personalization block in it (the agent then does not use its action prompt)."""
        if not self.own_prompt:
            return None
        from personalization._generation import hyperalign_system_prompt

        return hyperalign_system_prompt(self.generation_task, personalization)

    def _act(self, action: ParsedAction) -> Outcome:
        self.submitted = str(action.args["text"])
        wrapper: dict[str, Any] = {}
        if self.strip_wrappers:
            from personalization._generation import strip_wrapper

            cleaned = strip_wrapper(self.submitted)
            self.submitted = cleaned.text
            wrapper = {
                "wrapper_removed": list(cleaned.removed),
                "wrapper_removed_chars": cleaned.removed_chars,
            }
        info = {**self._score(self.submitted), **wrapper}
        words = len(self.submitted.split())
        return Outcome(
            observation=f"Received your {self.tag_word} ({words} words). The episode is over.",
            terminated=True,
            info=info,
        )

    # ------------------------------------------------------------------ subclass hooks
    def _begin(self) -> str:
        """Choose the episode's case with ``self.np_random``; return the first observation."""
        raise NotImplementedError

    def _score(self, text: str) -> dict[str, Any]:
        """Score the submitted text; the facts are kept for :meth:`_summary` by the subclass."""
        raise NotImplementedError

    def _reply_instructions(self) -> str:
        """How to submit, in this env's protocol."""
        if self.protocol == "tools":
            return f"Submit it by calling the {self.action_name} tool with the complete text."
        if self.require_tag:
            return f"Write it inside one <{self.tag_word} ...> tag."
        return (
            f"Your whole reply is taken as the {self.tag_word}, so write only the "
            f"{self.tag_word} (or put it inside <{self.tag_word} ...>)."
        )
