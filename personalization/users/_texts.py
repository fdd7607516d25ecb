"""Every text the simulated users produce, in one place.

The demonstrations (:mod:`._demos`), the personalized environment's observations and
the offline inferer (``personalization``) all use these constants, so a phrase the inferer reads
back is the phrase the user wrote. Writing users compose their messages with
:func:`compose_message`; the scripted writer policy composes with it too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# ---------------------------------------------------------------- Blocksworld sessions
SESSION_PROMPT = "What happened in past session {number} with this user?"
SESSION_HEAD = "Past session {number}:"
PLAN_CHOICE = (
    "The assistant offered two plans: measure every block {few} times, or measure every "
    'block {many} times. The user chose to measure every block {chosen} times and said: "{quote}"'
)
PLAN_CHOICE_RE = re.compile(
    r"measure every block (\d+) times, or measure every block (\d+) times\. The user chose to "
    r"measure every block (\d+) times"
)
FEW_QUOTES: tuple[str, ...] = (
    "Each reading is billed to me, so keep the readings few.",
    "Readings cost me money; take as few as will do.",
)
MANY_QUOTES: tuple[str, ...] = (
    "Take as many readings as help; they cost me nothing.",
    "Readings are cheap for me, so measure plenty.",
)
LEFT_AS_IS_TOP = (
    "The assistant built {built}. The user left the towers as they were and did not mind which "
    "block was at the top."
)
LEFT_AS_IS_BASE = (
    "The assistant built {built}. The user left the towers as they were and did not mind which "
    "block stood at the bottom."
)
TOP_CORRECTION = (
    "The assistant built {built}. The user rebuilt it so that block {block} was at the top of "
    'its tower and said: "I like {block} on top."'
)
TOP_CORRECTION_RE = re.compile(r"so that block ([a-z]) was at the top of its tower")
BASE_CORRECTION = (
    "The assistant built {built}. The user rebuilt it so that block {block} stood on the table "
    'at the bottom and said: "{block} belongs at the bottom."'
)
BASE_CORRECTION_RE = re.compile(r"so that block ([a-z]) stood on the table at the bottom")
PERTURBATION_REMARK = (
    "A perturbed move shook a tower in which a taller block stood on a shorter one. The user "
    'said: "{quote}"'
)
AVERSE_QUOTES: tuple[str, ...] = (
    "That tower was top-heavy; keep the taller blocks at the bottom.",
    "Too risky for me: taller blocks belong at the bottom.",
)
NEUTRAL_QUOTES: tuple[str, ...] = (
    "No harm done; the order of the blocks does not matter to me.",
    "It held, and the order of the blocks does not matter to me.",
)
NEUTRAL_MARK = "the order of the blocks does not matter"
REPORT_OPTIONS: dict[str, str] = {
    "none": "no message at all",
    "brief": "a one-line note without numbers",
    "detailed": "the final towers with every block's estimated height",
}
REPORT_CHOICE = (
    "At the end the user was asked how to hear about the result: no message at all, a one-line "
    "note without numbers, or the final towers with every block's estimated height. The user "
    "picked {option}."
)
REPORT_CHOICE_RE = re.compile(r"The user picked (.+?)\.$", re.M)


def tower_text(order: Sequence[str]) -> str:
    """``a tower of c, b and a (c at the bottom)``: a past session's single tower, no state
    phrases (the Blocksworld parser must not mistake a demonstration for the current state)."""
    blocks = list(order)
    return (
        f"a tower of {', '.join(blocks[:-1])} and {blocks[-1]} ({blocks[0]} at the bottom, "
        f"{blocks[-1]} at the top)"
    )


# ---------------------------------------------------------------- the personalized env
USER_HEAD = "ABOUT THE USER:"
USER_INTRO = (
    "You are doing this task for a user. Besides the task's own score, the user rates how the "
    "work was done against preferences they have not stated (for example, a user may pay for "
    "every measurement, want the blocks arranged a certain way, or want a certain report at the "
    "end). Your reward is the task's score adjusted by that rating."
)
NO_DEMOS = "You know nothing more about this user here; your instructions may tell you more."
DEMOS_HEAD = "Here is what this user did in {n} past sessions:"
REPORT_TAG_LINE = (
    "To send the user a message (the only text of yours they see), write <report YOUR MESSAGE>; "
    "it counts as one action."
)
REPORT_TOOL_LINE = (
    "To send the user a message (the only text of yours they see), call the report tool with "
    "the message; it counts as one action."
)
REPORT_RECEIVED = "Your report was passed on to the user."
REPORT_DESCRIPTION = "Send the user a message, such as a report of the result."

# ---------------------------------------------------------------- the message env
MESSAGE_INTRO = (
    "Write a message on behalf of a user. The user rates it against preferences they have not "
    "stated (for example its length, its tone and how it is signed); your reward is that "
    "rating."
)
MESSAGES_HEAD = "Messages this user wrote before ({n}):"
TASK_LINE = "Task: "
SIGN_AS = "Sign the message as {name}."
SIGN_AS_RE = re.compile(r"^Sign the message as (.+)\.$", re.M)

# ---------------------------------------------------------------- writing users


@dataclass(frozen=True)
class WritingRequest:
    """A message a writing user is asked to write, with its content in both registers."""

    prompt: str
    """The request, as the user (or an agent) is given it."""
    recipient: str
    """Who the message is for."""
    formal: tuple[str, ...]
    """The core content, formally (no contractions, no exclamation marks)."""
    casual: tuple[str, ...]
    """The same content, casually (contractions, exclamation marks)."""


WRITING_REQUESTS: tuple[WritingRequest, ...] = (
    WritingRequest(
        "Tell your team that Monday's meeting moves to Thursday at ten.",
        "team",
        (
            "I am writing to let you know that the Monday meeting will now take place on "
            "Thursday at ten.",
            "Please update your calendars accordingly.",
        ),
        ("Quick heads-up: Monday's meeting is moving to Thursday at ten!", "Don't forget it."),
    ),
    WritingRequest(
        "Thank a colleague, Priya, for her help with the quarterly report.",
        "Priya",
        (
            "Thank you very much for your help with the quarterly report.",
            "Your analysis of the figures made a considerable difference.",
        ),
        ("Thanks so much for jumping in on the quarterly report!", "Your numbers really saved it."),
    ),
    WritingRequest(
        "Ask a supplier, Mr Okafor, when the delayed parts will be delivered.",
        "Mr Okafor",
        (
            "I would be grateful if you could tell me when the delayed parts will be delivered.",
            "We need them to complete an order for a client.",
        ),
        ("Any news on when the delayed parts will arrive?", "We're waiting on them for an order!"),
    ),
    WritingRequest(
        "Invite a friend, Sam, to a concert on Saturday evening.",
        "Sam",
        (
            "I have two tickets for a concert on Saturday evening and would be delighted if you "
            "could join me.",
            "It begins at eight in the evening in the town hall.",
        ),
        (
            "I've got two tickets for a concert on Saturday night!",
            "Wanna come? It starts at eight.",
        ),
    ),
    WritingRequest(
        "Tell a neighbour, Ms Laurent, that her parcel was delivered to you.",
        "Ms Laurent",
        (
            "A parcel addressed to you was delivered to my house this morning.",
            "You are welcome to collect it at any time this week.",
        ),
        ("Your parcel ended up at my place this morning!", "Pop by whenever it's handy."),
    ),
    WritingRequest(
        "Ask your manager, Dana, for Friday afternoon off.",
        "Dana",
        (
            "I would like to request Friday afternoon off to attend a family appointment.",
            "My tasks for the week will be completed before then.",
        ),
        ("Could I take Friday afternoon off? It's a family thing.", "I'll wrap up my stuff first!"),
    ),
)

FORMAL_FILLERS: tuple[str, ...] = (
    "I have considered the matter carefully and I believe this is the most sensible course of "
    "action for everyone involved.",
    "Should you have any questions or concerns, please do not hesitate to contact me at your "
    "earliest convenience.",
    "I would also like to take this opportunity to thank you for your patience and your "
    "understanding in recent weeks.",
    "It may be helpful to note that further details will be circulated in writing before the "
    "end of the week.",
    "I remain at your disposal for any clarification that you may require on this or on any "
    "related matter.",
    "In the meantime, I shall keep you informed of any developments that might affect the "
    "arrangements described above.",
    "Thank you once again for your attention to this matter and for your continued support and "
    "cooperation.",
    "I trust that this arrangement will be satisfactory, and I look forward to hearing your "
    "thoughts in due course.",
)
CASUAL_FILLERS: tuple[str, ...] = (
    "I know it's a bit last minute, but I think it's honestly the best way to sort things out "
    "for everyone!",
    "If you've got any questions at all, just give me a shout and I'll get back to you as soon "
    "as I can.",
    "Also, thanks a ton for being so patient with me these last few weeks, it's really meant a "
    "lot!",
    "I'll send round the rest of the details later this week, so don't worry if it's all a bit "
    "vague for now.",
    "Happy to chat it through whenever suits you, whether that's over coffee or just a quick call!",
    "I'll keep you posted if anything changes, though I'm pretty sure it won't at this point.",
    "Honestly, you've been brilliant about all of this and I can't thank you enough for it!",
    "Let me know what you reckon when you get a sec, there's no rush at all on this one.",
)
GREETINGS = {"formal": ("Dear {recipient},",), "casual": ("Hi {recipient}!", "Hey {recipient},")}
#: Word-count limits of the ``length`` preference: short messages have at most SHORT_MAX
#: words, long ones at least LONG_MIN.
SHORT_MAX = 60
LONG_MIN = 110


def compose_message(
    request: WritingRequest,
    *,
    length: str,
    formality: str,
    sign_off: str | None,
    name: str,
    rng: np.random.Generator,
) -> str:
    """A message for ``request`` in the given style (sign-off ``None``: the bare name)."""
    register = "formal" if formality == "formal" else "casual"
    greeting = GREETINGS[register][int(rng.integers(len(GREETINGS[register])))]
    core = list(request.formal if register == "formal" else request.casual)
    body = list(core)
    if length == "long":
        pool = list(FORMAL_FILLERS if register == "formal" else CASUAL_FILLERS)
        order = rng.permutation(len(pool))[:7]
        body += [pool[int(i)] for i in order]
    closing = f"{sign_off},\n{name}" if sign_off else name
    return f"{greeting.format(recipient=request.recipient)}\n\n{' '.join(body)}\n\n{closing}"
