"""``scripted:style_writer``: an offline writer that follows the personalization block.

A mechanical stand-in for a model, to test the HyPerAlign pipeline offline: it shows whether
the conditioning carries information from the inferred hypotheses (or the few-shot examples)
to the submitted text and the authorship reward. It is not a language model and its texts are
not meant to be read for content.

What it does, for a ``telic/PersonalizedWriting-v0`` conversation (detected as by the
``generic`` policy):

1. **Targets.** It starts from bland defaults (a typical writer: 14 words per sentence, 35 per
   paragraph, no greeting, sign-off, exclamations, contractions or lists) and the length from
   the block's ``typical_length_words`` attribute (80 words without it). Each hypothesis line
   of the block whose statement is one of the offline inferer's templates
   (:data:`personalization._feature_texts.FEATURE_TEXTS`) sets that feature's target to the
   number the statement gives (for example "5.6 words per sentence"). Other statements (the
   generic placebo, a model's free-text hypotheses) are ignored. When the block shows the
   user's examples (``=== Example n ===``) or the observation does (``show_examples``), every
   feature is measured on them instead, and their greeting, sign-off and dash character are
   reused.
2. **Text.** It picks clauses from a topic-neutral bank (:mod:`._style_bank`),
   weighting the I / we / you clauses by the pronoun targets, and adds numbered clauses,
   hedges, CAPS words, parenthetical asides, questions, very short sentences, long-word
   substitutions, exclamation marks, ellipses, opening phrases with commas, semicolons and
   dashes, each as often as its per-100-words target asks (counts rounded at random). Clauses
   are joined into sentences of the target length and sentences into paragraphs of the target
   length; a share of lines becomes a bulleted list; a greeting and a sign-off with the user's
   name are added when their target share is at least one half; contractions are applied up
   to the target rate. The task's topic is mentioned.

All randomness comes from the ``rng`` passed to :meth:`StyleWriterPolicy.act`.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from envs import PolicyAction, register_policy
from personalization._feature_texts import FEATURE_TEXTS
from personalization._stylometry import has_greeting, mean_features, sign_off_lines
from personalization.hyperalign import _style_bank as bank

# the generic baseline's detection of the writing task (same observation format)
from personalization.hyperalign._policies import _EXAMPLE, _TASK, _WRITING, _first

DEFAULTS: dict[str, float] = {
    "sentence_words": 14.0,
    "paragraph_words": 35.0,
    "exclamations": 0.0,
    "questions": 0.2,
    "semicolons": 0.0,
    "dashes": 0.0,
    "ellipses": 0.0,
    "parentheses": 0.3,
    "bullet_lines": 0.0,
    "greeting": 0.0,
    "sign_off": 0.0,
    "hedges": 0.5,
    "first_person_singular": 2.0,
    "first_person_plural": 0.7,
    "second_person": 0.9,
    "contractions": 0.0,
    "caps_words": 0.0,
    "numbers": 0.4,
    "commas": 3.0,
    "word_length": 4.5,
}
"""The bland writer's targets (per 100 words, shares, or words)."""
DEFAULT_LENGTH = 80
_HYPOTHESIS_LINE = re.compile(r"^H\d+\. \[[a-z_]+\] (.+)$", re.M)
_LENGTH = re.compile(r"^- typical_length_words: (\d+)$", re.M)
_BLOCK_EXAMPLE = re.compile(
    r"^=== Example \d+ ===\nRequest: [^\n]*\nText:\n(.*?)(?=\n\n=== |\Z)", re.S | re.M
)
_NUMBER = r"(-?\d+(?:\.\d+)?)(%?)"


def _template_pattern(template: str) -> re.Pattern[str]:
    escaped = re.escape(template)
    escaped = escaped.replace(re.escape("{user}"), _NUMBER).replace(re.escape("{ref}"), _NUMBER)
    return re.compile("^" + escaped + "$")


_TEMPLATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (feature, _template_pattern(template))
    for feature, spec in FEATURE_TEXTS.items()
    for template in (spec.high, spec.low, spec.less)
    if template
)


def parse_style_targets(statement: str) -> tuple[str, float] | None:
    """``(feature, value)`` stated by an offline stylometric hypothesis, else ``None``.

    >>> parse_style_targets("Writes short paragraphs, often a line or two (17 words per "
    ...     "paragraph, against 25 for a typical reference writer).")
    ('paragraph_words', 17.0)
    """
    for feature, pattern in _TEMPLATES:
        match = pattern.match(statement.strip())
        if match:
            value = float(match.group(1))
            return feature, value / 100.0 if match.group(2) else value
    return None


@dataclass(frozen=True)
class StylePlan:
    """What the writer read from the block and the observation."""

    targets: Mapping[str, float]
    """Feature targets (see :data:`DEFAULTS`)."""
    n_words: int
    """Length to write, in words."""
    greeting: str | None = None
    """The user's own greeting line, from examples."""
    sign_off: tuple[str, ...] = ()
    """The user's own sign-off lines, from examples."""
    dash: str = "\u2014"
    """Dash character to use."""


def read_plan(system_prompt: str | None, observation: str) -> StylePlan:
    """The :class:`StylePlan` of a conversation (module docstring, step 1)."""
    prompt = system_prompt or ""
    targets = dict(DEFAULTS)
    for statement in _HYPOTHESIS_LINE.findall(prompt):
        parsed = parse_style_targets(statement)
        if parsed is not None:
            targets[parsed[0]] = parsed[1]
    length = _LENGTH.search(prompt)
    examples = [e.strip() for e in _BLOCK_EXAMPLE.findall(prompt)]
    examples += [str(e).strip() for e in _EXAMPLE.findall(observation)]
    examples = [e for e in examples if e]
    greeting: str | None = None
    sign_off: tuple[str, ...] = ()
    dash = "\u2014"
    if examples:
        measured = mean_features(examples)
        targets.update({k: v for k, v in measured.items() if k in DEFAULTS})
        greetings = [e.splitlines()[0].strip() for e in examples if has_greeting(e)]
        greeting = greetings[0] if greetings else None
        closings = [tuple(sign_off_lines(e)) for e in examples]
        sign_off = next((c for c in closings if c), ())
        joined = "\n".join(examples)
        dash = max(("\u2014", "\u2013", " - "), key=joined.count)
        dash = dash.strip() if dash != " - " else "-"
        if length is None:
            length_words = int(statistics.median(len(e.split()) for e in examples))
            return StylePlan(targets, length_words, greeting, sign_off, dash)
    n_words = int(length.group(1)) if length else DEFAULT_LENGTH
    return StylePlan(targets, max(n_words, 20), greeting, sign_off, dash)


def _count(rate_per_100: float, n_words: int, rng: np.random.Generator) -> int:
    expected = max(rate_per_100, 0.0) * n_words / 100.0
    whole = int(expected)
    return whole + int(rng.random() < expected - whole)


def _topic(task: str) -> str:
    match = re.search(r"\babout (.+?)[.?!]?$", task.strip())
    if match:
        return match.group(1)
    words = re.findall(r"[A-Za-z']+", task.lower())
    return " ".join(words[-3:]) or "this"


def _pick(options: Sequence[str], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


def _clauses(plan: StylePlan, topic: str, rng: np.random.Generator) -> list[str]:
    """Bank clauses with pronoun-weighted persons, up to the target length."""
    t = plan.targets
    weights = np.array(
        [3.0, t["first_person_singular"], t["first_person_plural"], t["second_person"]]
    )
    weights = np.clip(weights, 0.0, None) + 1e-9
    persons = ("none", "i", "we", "you")
    n_numbers = _count(t["numbers"], plan.n_words, rng)
    n_short = 0
    if t["sentence_words"] < 8:  # the bank's clauses are 6-10 words: mix in short sentences
        n_short = int(plan.n_words * (8 - t["sentence_words"]) / 16)
    out: list[str] = []
    total = 0
    while total < plan.n_words:
        if n_numbers:
            n_numbers -= 1
            clause = _pick(bank.NUMBER_CLAUSES, rng).format(n=int(rng.integers(2, 25)))
        elif n_short and rng.random() < 0.5:
            n_short -= 1
            clause = "\x00" + _pick(bank.SHORT_SENTENCES, rng)  # marks a stand-alone sentence
        else:
            person = persons[int(rng.choice(4, p=weights / weights.sum()))]
            clause = _pick(bank.CLAUSES[person], rng).format(topic=topic)
        out.append(clause)
        total += len(clause.split())
    order = rng.permutation(len(out))
    return [out[0]] + [out[i] for i in order if i != 0]


def _decorate(clauses: list[str], plan: StylePlan, rng: np.random.Generator) -> list[str]:
    """Hedges, CAPS words, asides, long words, added in place at their target counts."""
    t, n = plan.targets, plan.n_words
    out = list(clauses)
    idx = [i for i, c in enumerate(out) if not c.startswith("\x00")]

    def some(k: int) -> list[int]:
        return [idx[int(j)] for j in rng.choice(len(idx), size=min(k, len(idx)), replace=False)]

    for i in some(_count(t["hedges"], n, rng)):
        out[i] = f"{_pick(bank.HEDGES, rng)} {out[i]}"
    for i in some(_count(t["caps_words"], n, rng)):
        words = out[i].split()
        long = [j for j, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if long:
            j = long[int(rng.integers(len(long)))]
            words[j] = words[j].upper()
            out[i] = " ".join(words)
        else:
            out[i] = f"{_pick(bank.EMPHASIS, rng).upper()} {out[i]}"
    for i in some(_count(t["parentheses"], n, rng)):
        out[i] = f"{out[i]} ({_pick(bank.ASIDES, rng)})"
    if t["word_length"] > 4.9:
        for i in range(len(out)):
            for plain, formal in bank.LONG_WORDS:
                out[i] = re.sub(rf"\b{plain}\b", formal, out[i])
    return out


def _sentences(clauses: list[str], plan: StylePlan, rng: np.random.Generator) -> list[str]:
    """Clauses joined to the target sentence length, punctuated to the target rates."""
    t, n = plan.targets, plan.n_words
    n_semi = _count(t["semicolons"], n, rng)
    n_dash = _count(t["dashes"], n, rng)
    n_open = _count(max(t["commas"] - 3.0, 0.0) / 2, n, rng)
    raw: list[list[str]] = []
    current: list[str] = []
    for clause in clauses:
        if clause.startswith("\x00"):
            if current:
                raw.append(current)
                current = []
            raw.append([clause[1:]])
            continue
        current.append(clause)
        if sum(len(c.split()) for c in current) >= t["sentence_words"] * 0.85:
            raw.append(current)
            current = []
    if current:
        raw.append(current)
    sentences = []
    for parts in raw:
        text = parts[0]
        for part in parts[1:]:
            if n_semi:
                n_semi, joiner = n_semi - 1, "; "
            elif n_dash:
                n_dash, joiner = n_dash - 1, f" {plan.dash} "
            else:
                joiner = _pick((", and ", ", but ", ", so "), rng)
            text += joiner + part
        if n_open and rng.random() < 0.5:
            n_open -= 1
            text = f"{_pick(bank.OPENERS, rng)}, {text}"
        sentences.append(text)
    for _ in range(_count(t["questions"], n, rng)):
        at = int(rng.integers(1, len(sentences) + 1))
        sentences.insert(at, _pick(bank.QUESTIONS, rng) + "?")
    plain = [i for i, s in enumerate(sentences) if not s.endswith("?")]
    ends = ["."] * len(sentences)
    n_excl = _count(t["exclamations"], n, rng)
    n_ell = _count(t["ellipses"], n, rng)
    for k, i in enumerate(rng.permutation(plain)):
        if k < n_excl:
            ends[int(i)] = "!"
        elif k < n_excl + n_ell:
            ends[int(i)] = "..."
    out = []
    for s, end in zip(sentences, ends, strict=True):
        s = s[0].upper() + s[1:]
        out.append(s if s.endswith("?") else s + end)
    return out


def _contract(text: str, rate: float, rng: np.random.Generator) -> str:
    budget = _count(rate, len(text.split()), rng)
    for full, short in bank.CONTRACTIONS:
        pattern = re.compile(rf"\b{full}\b", flags=re.I)
        while budget and (match := pattern.search(text)):
            word = short if match.group(0)[0] == full[0] else short.capitalize()
            text = text[: match.start()] + word + text[match.end() :]
            budget -= 1
    return text


def compose(task: str, user: str, plan: StylePlan, rng: np.random.Generator) -> str:
    """The text for ``task`` following ``plan`` (module docstring, step 2)."""
    t = plan.targets
    clauses = _decorate(_clauses(plan, _topic(task), rng), plan, rng)
    sentences = _sentences(clauses, plan, rng)
    n_bullets = 0
    if t["bullet_lines"] > 0.05:
        share = min(t["bullet_lines"], 0.8)
        n_bullets = min(len(sentences) - 1, round(share * len(sentences) / (1 - share / 2)))
    paragraphs: list[str] = []
    current: list[str] = []
    body = sentences[: len(sentences) - n_bullets] if n_bullets > 0 else sentences
    for sentence in body:
        current.append(sentence)
        if sum(len(s.split()) for s in current) >= t["paragraph_words"]:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    if n_bullets > 0:
        items = sentences[len(sentences) - n_bullets :]
        paragraphs.insert(min(1, len(paragraphs)), "\n".join(f"- {s}" for s in items))
    if t["greeting"] >= 0.5:
        paragraphs.insert(0, plan.greeting or _pick(bank.GREETINGS, rng))
    text = "\n\n".join(paragraphs)
    text = _contract(text, t["contractions"], rng)
    if t["sign_off"] >= 0.5:
        closing = plan.sign_off or (_pick(bank.SIGN_OFFS, rng), user.capitalize())
        text += "\n\n" + "\n".join(closing)
    return text


class StyleWriterPolicy:
    """Writes the PersonalizedWriting text following the personalization block (module doc)."""

    reads_system_prompt = True

    def handles(self, observations: Sequence[str]) -> bool:
        return _first(observations, _WRITING) is not None

    def act(
        self,
        observations: Sequence[str],
        rng: np.random.Generator,
        system_prompt: str | None = None,
    ) -> PolicyAction:
        observation = _first(observations, _WRITING)
        if observation is None:
            raise LookupError("no PersonalizedWriting task found in the observations")
        task = _TASK.search(observation)
        user = re.search(r'as the user "([^"]+)"', observation)
        text = compose(
            task.group(1) if task else "",
            user.group(1) if user else "",
            read_plan(system_prompt, observation),
            rng,
        )
        return PolicyAction(name="submit_text", args={"text": text}, text=f"<text>{text}</text>")


def register_style_writer() -> None:
    """Register ``scripted:style_writer`` (idempotent)."""
    register_policy(
        "style_writer",
        StyleWriterPolicy,
        doc="PersonalizedWriting: follows the personalization block's stylometric hypotheses "
        "and examples (offline stand-in for a model).",
    )
