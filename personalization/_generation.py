"""The one HyPerAlign generation prompt, and the cleaning of what a model writes back.

Step B of the method (spec 2.3, 2.5) prompts a model with the hypotheses and user attributes
and asks for the text. Two callers need that prompt and must get the same one: the library's
:func:`~personalization.generate_as_user` and the writing / deliberative environments, which
choose their own system prompt for scenario runs (a writing task is not prompted like an
action-taking task). :func:`hyperalign_system_prompt` builds it from a personalization block
(:func:`~personalization.render_block` or a condition's block):

* ``writing``: write as this person; follow the hypotheses and attributes closely but do not
  mention them; output only the text.
* ``deliberative``: answer a request from this user; deliberate over the hypotheses and the
  safety rules before answering; be as helpful as safety allows; hypotheses never make a
  harmful request acceptable.

Chat models often wrap the text they are asked for ("Sure! Here is the email:", a closing
"Let me know if you want changes", a ``` fence, surrounding quotes, a ``<thinking>`` block).
Scored as the user's writing, that wrapper is noise the user never wrote.
:func:`strip_wrapper` removes it and says what it removed, so the count can be recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TASKS: tuple[str, ...] = ("writing", "deliberative")

WRITING_ROLE = (
    "You write exactly like a specific person. Given a task, you write the text this person "
    "would write for it, in their voice: their habits of structure, length, vocabulary, tone "
    "and punctuation."
)
DELIBERATIVE_ROLE = (
    "You are a helpful, honest and safe assistant. You are answering a request from a specific "
    "user, described below."
)
DELIBERATE = (
    "Before you answer, deliberate: consider what the hypotheses and attributes say about this "
    "user's expertise, intent and the kind of answer they want, and check the request against "
    "your safety rules. Then give the most helpful answer those rules allow, shaped for this "
    "user. Hypotheses about a user never make a harmful request acceptable: decline briefly "
    "what you must not help with, and still help with any safe part of the request."
)
FOLLOW_HYPOTHESES = (
    "Follow the hypotheses and attributes closely, but do not mention them, this prompt or the "
    "fact that you are imitating anyone."
)
FOLLOW_ATTRIBUTES = "Take the user attributes into account, but do not mention them."
FOLLOW_EXAMPLES = "Match the style of the examples without copying their content."
WRITING_OUTPUT = (
    "Output only the text itself: no preamble such as 'Here is the text', no title line you "
    "were not asked for, no notes or offers after it."
)
DELIBERATIVE_OUTPUT = (
    "If you reason first, put the reasoning inside <thinking>...</thinking>; everything else "
    "in your reply is sent to the user as it stands, so write no preamble about the reply."
)

# Markers of the block's parts (written by personalization._render and _conditions).
_HYPOTHESES_MARK = "Hypotheses about the user:"
_ATTRIBUTES_MARK = "User attributes:"
_EXAMPLES_MARKS = ("Examples of this user's own writing", "Examples of this person's writing")


def _check_task(task: str) -> str:
    if task not in TASKS:
        from personalization._types import did_you_mean

        raise did_you_mean(task, TASKS, "generation task")
    return task


def hyperalign_system_prompt(task: str, block: str | None = None) -> str:
    """The system prompt of HyPerAlign's generation step for ``task`` with a personalization
    ``block`` (may be empty: the zero-shot baseline).

    The instructions adapt to what the block holds (hypotheses, attributes, examples), so the
    prompt never asks a model to follow hypotheses it was not given.

    >>> "do not mention them" in hyperalign_system_prompt(
    ...     "writing", "Hypotheses about the user:\\nH1. [writing_style] Short sentences.")
    True
    >>> hyperalign_system_prompt("writing").endswith("no notes or offers after it.")
    True
    """
    _check_task(task)
    block = (block or "").strip()
    parts = [WRITING_ROLE if task == "writing" else DELIBERATIVE_ROLE]
    if task == "deliberative":
        parts.append(DELIBERATE)
    if block:
        parts.append(block)
    follow = []
    if _HYPOTHESES_MARK in block:
        follow.append(FOLLOW_HYPOTHESES)
    elif _ATTRIBUTES_MARK in block:
        follow.append(FOLLOW_ATTRIBUTES)
    if any(mark in block for mark in _EXAMPLES_MARKS):
        follow.append(FOLLOW_EXAMPLES)
    follow.append(WRITING_OUTPUT if task == "writing" else DELIBERATIVE_OUTPUT)
    parts.append(" ".join(follow))
    return "\n\n".join(parts)


def generation_request(prompt: str, *, genre: str | None = None, user: str | None = None) -> str:
    """The user message of a generation call: the task (and its genre when known). With the
    user's id it opens like the writing env's observation, so the same writers handle both."""
    text = f"Task: {prompt}"
    if user is not None:
        text = (
            f'You are writing as the user "{user}". Write the text this user would write.\n\n'
            + text
        )
    return f"{text}\nGenre: {genre}" if genre else text


# ------------------------------------------------------------------------ wrapper stripping
_THINKING = re.compile(r"<\s*(thinking|think|reasoning)\s*>.*?<\s*/\s*\1\s*>", re.S | re.I)
_TAG = re.compile(r"^<\s*(text|answer|email|essay|response)\s*>(.*)<\s*/\s*\1\s*>$", re.S | re.I)
_FENCE = re.compile(r"^```[\w-]*[ \t]*\n(.*?)\n```[ \t]*$", re.S)
# A first line that introduces the text instead of being part of it ("Sure! Here's the email
# you asked for:", "Certainly. Below is a draft."). It must start with such words and end with
# a colon or name what it introduces, so a user's own first sentence is not taken for one.
_LEAD = re.compile(
    r"^(?:sure|certainly|of course|absolutely|okay|ok|alright|great|here(?:'s| is| are)|"
    r"below is|i(?:'ve| have) (?:written|drafted)|as requested)\b",
    re.I,
)
_ARTIFACT = re.compile(
    r"\b(?:email|e-mail|essay|article|text|response|draft|version|post|reply|answer|piece|"
    r"letter|message|story)\b",
    re.I,
)
_BARE_ACK = re.compile(r"^(?:sure|certainly|of course|absolutely|okay|ok|alright)[.!,]?$", re.I)


def _is_preamble(line: str) -> bool:
    line = line.strip().strip("*").strip()
    if _BARE_ACK.match(line):
        return True
    if len(line) > 200 or not _LEAD.match(line):
        return False
    return line.endswith(":") or bool(_ARTIFACT.search(line))


_LABEL_LINE = re.compile(
    r"^\s*(?:\*\*)?(?:text|email|essay|article|answer|response)(?:\*\*)?:\s*\n", re.I
)
_SEPARATOR = re.compile(r"^\s*(?:---+|\*\*\*+|===+)\s*\n")
_CLOSER = re.compile(
    r"\n\s*(?:---+\s*\n\s*)?(?:(?:i hope|hope) (?:this|that) helps|let me know if|feel free to|"
    r"(?:would|do) you (?:like|want) me to|if you(?:'d| would) like(?: me)? to|"
    r"i can (?:also )?(?:adjust|revise|make)|note:|\(note:)[^\n]*(?:\n[^\n]*)?\s*$",
    re.I,
)
_QUOTES = (('"', '"'), ("\u201c", "\u201d"))


@dataclass(frozen=True)
class StrippedText:
    """A model's reply with its wrapper removed."""

    text: str
    """What remains: the text the model was asked for."""
    removed: tuple[str, ...] = field(default=())
    """What was taken off, in the order it was found (kinds from :data:`WRAPPER_KINDS`)."""
    removed_chars: int = 0
    """How many characters were taken off in total."""

    @property
    def changed(self) -> bool:
        """Whether anything was removed."""
        return bool(self.removed)


#: The kinds of wrapper :func:`strip_wrapper` removes.
WRAPPER_KINDS: tuple[str, ...] = (
    "thinking",
    "tag",
    "fence",
    "preamble",
    "label",
    "separator",
    "closing",
    "quotes",
)


def strip_wrapper(reply: str) -> StrippedText:
    """Remove a chat model's wrapper around the text it was asked for (module docstring).

    Removes, in order: reasoning blocks (``<thinking>``/``<think>``/``<reasoning>``), a
    ``<text>``/``<answer>`` tag or a code fence around the whole reply, a leading
    acknowledgement or "Here is ...:" line, a label line (``Email:``), a separator line, a
    trailing offer or note ("Let me know if ...", "I hope this helps"), and quotes around the
    whole text. Text without a wrapper comes back unchanged. If removing would leave nothing,
    the reply is kept as it was.

    >>> strip_wrapper("Sure! Here is the email:\\n\\nHi team, lunch is at noon.").text
    'Hi team, lunch is at noon.'
    >>> strip_wrapper("Here is what I think about taxes. They are too high.").changed
    False
    """
    original = reply
    text = reply.strip()
    removed: list[str] = []

    def take(kind: str, new: str) -> None:
        nonlocal text
        if new.strip() and new != text:
            removed.append(kind)
            text = new.strip()

    take("thinking", _THINKING.sub("", text))
    tagged = _TAG.match(text)
    if tagged:
        take("tag", tagged.group(2))
    fenced = _FENCE.match(text)
    if fenced:
        take("fence", fenced.group(1))
    for _ in range(2):  # "Sure!\nHere is the email:\n" is two lines of preamble
        head, _, rest = text.partition("\n")
        if rest.strip() and _is_preamble(head):
            take("preamble", rest)
    label = _LABEL_LINE.match(text)
    if label:
        take("label", text[label.end() :])
    sep = _SEPARATOR.match(text)
    if sep:
        take("separator", text[sep.end() :])
    closing = _CLOSER.search(text)
    if closing and text[: closing.start()].strip():
        take("closing", text[: closing.start()])
    for left, right in _QUOTES:
        inner = text[len(left) : -len(right)] if len(text) > 2 else ""
        quoted = text.startswith(left) and text.endswith(right)
        if quoted and left not in inner and right not in inner:
            take("quotes", inner)
    if not removed:
        return StrippedText(original.strip())
    return StrippedText(text, tuple(removed), max(0, len(original.strip()) - len(text)))
