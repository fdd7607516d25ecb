"""Topic-neutral sentence material for the offline ``style_writer`` (written for telic).

Clauses are lower-case, without contractions or end punctuation, so that the writer can join,
hedge, contract, emphasise and punctuate them to follow a style. Each clause is tagged with the
grammatical person it uses (``i``, ``we``, ``you`` or ``none``) so the writer can meet a
pronoun rate by choosing clauses. ``{topic}`` is replaced by a phrase taken from the task.
"""

from __future__ import annotations

CLAUSES: dict[str, tuple[str, ...]] = {
    "none": (
        "there is a lot to say about {topic}",
        "it is worth taking the time to do this properly",
        "the first step is usually the hardest one",
        "small changes tend to add up over time",
        "it does not have to be complicated",
        "the details matter more than they seem at first",
        "plans change and that is part of the process",
        "a little preparation goes a long way",
        "nothing here will happen overnight",
        "the result is what counts in the end",
        "it is easy to forget how far things have come",
        "there will be more news about {topic} soon",
        "the simple version is often the best one",
        "good habits are built one day at a time",
        "this is not the end of the story",
    ),
    "i": (
        "I have been thinking about {topic} for some time",
        "I am not sure I have all the answers",
        "I will keep this short",
        "I learned that the slow way",
        "my own experience with {topic} has been mixed",
        "I would rather say it plainly",
        "I was surprised by how much I enjoyed it",
        "I keep coming back to the same idea",
    ),
    "we": (
        "we have made real progress on {topic}",
        "we will share the next steps soon",
        "our plan is to keep things simple",
        "we are still learning as we go",
        "we owe a thank-you to everyone who helped us",
        "our door is open for ideas",
    ),
    "you": (
        "you do not need to have everything figured out",
        "you will notice the difference quickly",
        "your feedback is always welcome",
        "you can reach out at any time",
        "you may find that {topic} is easier than it looks",
        "you have more say in this than you think",
    ),
}
"""Clauses by grammatical person."""

SHORT_SENTENCES: tuple[str, ...] = (
    "keep it simple",
    "that is the plan",
    "more soon",
    "it works",
    "no rush",
    "step by step",
    "that is all",
    "it matters",
    "one thing at a time",
    "worth a try",
)
"""Very short sentences, mixed in when the style wants short sentences."""

QUESTIONS: tuple[str, ...] = (
    "what would you do differently",
    "why does this matter",
    "is it really that simple",
    "where do we go from here",
    "what is the worst that could happen",
    "who would have guessed",
    "does that sound familiar",
)
"""Questions (the writer adds the question mark)."""

NUMBER_CLAUSES: tuple[str, ...] = (
    "it took {n} weeks to get this far",
    "there are {n} things to keep in mind",
    "about {n} out of 10 people say the same",
    "the next update comes in {n} days",
    "it needs about {n} minutes a day",
    "{n} of us have already signed up",
)
"""Clauses with a quantity (``{n}`` is a small number)."""

HEDGES: tuple[str, ...] = ("perhaps", "I think", "it seems that", "maybe", "probably")
"""Hedges put in front of a clause."""

ASIDES: tuple[str, ...] = (
    "at least for now",
    "more on that later",
    "as always",
    "within reason",
    "or so it seems",
)
"""Asides, put in parentheses or between dashes."""

OPENERS: tuple[str, ...] = ("of course", "in the meantime", "either way", "honestly", "in short")
"""Introductory phrases followed by a comma."""

GREETINGS: tuple[str, ...] = ("Hi everyone,", "Hello all,", "Dear friends,")
"""Greeting lines used when no example shows the user's own."""

SIGN_OFFS: tuple[str, ...] = ("Best wishes,", "Thanks,", "Warm regards,")
"""Sign-off lines (followed by the user's name) used when no example shows the user's own."""

CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("do not", "don't"),
    ("does not", "doesn't"),
    ("is not", "isn't"),
    ("I am", "I'm"),
    ("I have", "I've"),
    ("I will", "I'll"),
    ("I would", "I'd"),
    ("we are", "we're"),
    ("we have", "we've"),
    ("we will", "we'll"),
    ("you will", "you'll"),
    ("that is", "that's"),
    ("there is", "there's"),
    ("it is", "it's"),
    ("what is", "what's"),
)
"""Full forms and their contractions (the bank is written in full forms)."""

LONG_WORDS: tuple[tuple[str, str], ...] = (
    ("help", "assistance"),
    ("start", "commencement"),
    ("needs", "requires"),
    ("about", "approximately"),
    ("simple", "straightforward"),
    ("quickly", "immediately"),
    ("soon", "presently"),
    ("best", "preferable"),
    ("change", "modification"),
    ("things", "considerations"),
    ("idea", "proposition"),
    ("enjoyed", "appreciated"),
)
"""Plain words and longer, more formal stand-ins."""

EMPHASIS: tuple[str, ...] = ("really", "truly", "so")
"""Intensifiers put in front of a clause when a CAPS word is wanted and none fits."""
