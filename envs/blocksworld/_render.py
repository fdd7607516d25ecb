"""Every text the Blocksworld shows the agent, in one place (spec 5, paraphrased in our words).

The parser in :mod:`envs.blocksworld._observe` reads these texts back (the scripted policies
see nothing else), so each phrase a parser relies on is a module constant used on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from envs._actions import ActionSpec, Param, format_configuration

CONTINUED = "You are still in the same environment."
TASK_PREFIX = "TASK: "
HELP_PREFIX = "HELP: here is your task again."
STATE_PREFIX = "Current state: "
READING = "A noisy reading of the height of {block} is {value:.2f}cm."
HEIGHTS_PREFIX = "The blocks have heights "
ESTIMATES_PREFIX = "Your earlier estimates of the heights are "
GIVEN_CONFIG_PREFIX = "The configuration is: "
INTENDED_PREFIX = "The best configuration has been computed for you: "
TARGET_PREFIX = "The block to measure is '"
LISTED_PREFIX = "Every configuration with the height of its lower tower:"
ACCEPTED_PREFIX = "Configurations accepted so far"
PERTURBED = "Something went wrong: your action {intended} was perturbed to {executed}."
#: The note under ``dynamics="paper"``, where the reply itself (even an invalid one) is replaced.
PAPER_PERTURBED = "Something went wrong: the action was perturbed to {executed}."

#: The stable first sentence of each task's goal; policies tell the tasks apart by it.
GOALS: dict[str, str] = {
    "information_gathering": ("Build the tallest tower you can using exactly two of the blocks."),
    "cognitive_effort": (
        "Decide how to split all of the blocks into two towers so that the lower tower is as "
        "tall as possible, and submit that split."
    ),
    "plan_and_execute": (
        "Build two towers that together use all of the blocks, as equal in height as possible "
        "so that the lower tower is as tall as possible; the heights are given."
    ),
    "combined": (
        "Build two towers that together use all of the blocks, as equal in height as possible "
        "so that the lower tower is as tall as possible; the heights must be measured."
    ),
    "measure_height": "Find out the true height of one block.",
    "generate_configurations": (
        "List every way of splitting the blocks into two non-empty towers."
    ),
    "evaluate_configuration": (
        "Work out the height of the lower tower of the given two-tower configuration."
    ),
    "pick_configuration": (
        "Pick the configuration whose lower tower is the tallest from the list below."
    ),
    "execute_plan": "Build the two towers of the configuration given below.",
    "build_two_block_tower": (
        "Build the tallest two-block tower you can, using your earlier height estimates."
    ),
}

NP_HINT = (
    "This is an NP-complete problem: in general the only way to be sure of the best split is "
    "to consider every possible split."
)
NOISE_HINT = (
    "You do not know the true heights. Each measurement gives a noisy reading; measuring a "
    "block again gives you a better idea of its true height, and there is no limit on the "
    "number of measurements."
)
EXACT_HINT = "In this episode every measurement is exact."

ACTION_SPECS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            "pick_up",
            "pick up {block}",
            "Pick up a block that is on the table with nothing on top of it; your hand must "
            "be empty.",
            (Param("block", "block", "the block to pick up"),),
        ),
        ActionSpec(
            "put_down",
            "put down {block}",
            "Put the block you are holding down on the table.",
            (Param("block", "block", "the block you are holding"),),
        ),
        ActionSpec(
            "stack",
            "stack {block} on {target}",
            "Stack the block you are holding on top of a block with nothing on it.",
            (
                Param("block", "block", "the block you are holding"),
                Param("target", "block", "the block to put it on"),
            ),
        ),
        ActionSpec(
            "unstack",
            "unstack {block}",
            "Take a block with nothing on top of it off the block it stands on; your hand "
            "must be empty.",
            (Param("block", "block", "the block to take off its tower"),),
        ),
        ActionSpec(
            "measure",
            "measure {block}",
            "Get one noisy reading of a block's height; you may measure as often as you like.",
            (Param("block", "block", "the block to measure"),),
        ),
        ActionSpec(
            "height",
            "height {value}",
            "Submit your answer, a height in cm. This is final.",
            (Param("value", "number", "the height in cm"),),
        ),
        ActionSpec(
            "towers",
            "towers {configuration}",
            "Submit a split of all the blocks into two towers, each block in exactly one tower.",
            (Param("configuration", "configuration", "the two towers"),),
        ),
        ActionSpec("help", "help", "Show the task, the available actions and the state again."),
        ActionSpec("done", "done", "Say that you have finished the task."),
    )
}

#: How each action is shown in the tag protocol's action list.
DISPLAY = {
    "pick_up": "<pick up X>",
    "put_down": "<put down X>",
    "stack": "<stack X on Y>",
    "unstack": "<unstack X>",
    "measure": "<measure X>",
    "height": "<height Ncm>",
    "towers": "<towers ['X', ...]; ['Y', ...]>",
    "help": "<help>",
    "done": "<done>",
}

_TAG_EXAMPLES = {
    "height": " For example <height 7.25cm>.",
    "towers": " For example <towers ['a', 'b']; ['c']>.",
}


def action_lines(specs: Sequence[ActionSpec], protocol: str, done_note: str = "") -> str:
    """The interface description: one line per action, in the protocol's notation."""
    if protocol == "tools":
        head = "Available tools (call exactly one tool per reply):"
        lines = []
        for spec in specs:
            params = ", ".join(p.name for p in spec.params)
            lines.append(f"- {spec.name}({params}): {spec.description}")
    else:
        head = (
            "Available actions (you may think first, but end your reply with exactly one "
            "action inside < >):"
        )
        lines = [
            f"- {DISPLAY[spec.name]}: {spec.description}{_TAG_EXAMPLES.get(spec.name, '')}"
            for spec in specs
        ]
    if done_note:
        lines.append(done_note)
    return head + "\n" + "\n".join(lines)


def heights_text(prefix: str, heights: Mapping[str, float]) -> str:
    """``The blocks have heights a: 7.12cm, b: 6.01cm.``"""
    return prefix + ", ".join(f"{b}: {heights[b]:.2f}cm" for b in sorted(heights)) + "."


def state_text(towers: Sequence[Sequence[str]], held: str | None) -> str:
    """The state sentence block (always the last paragraph of a building observation)."""
    hand = f"You are holding {held}." if held else "You are holding nothing."
    table = [t[0] for t in towers]
    table_text = "On the table: " + (", ".join(table) if table else "nothing") + "."
    stacked = []
    for tower in towers:
        if len(tower) < 2:
            continue
        parts = [f"{tower[i]} is on top of {tower[i - 1]}" for i in range(1, len(tower))]
        stacked.append("Block " + ", and ".join(parts) + ".")
    stack_text = " ".join(stacked) if stacked else "No blocks are stacked."
    return f"{STATE_PREFIX}{hand} {table_text} {stack_text}"


def configuration_text(config: Sequence[Sequence[str]]) -> str:
    return format_configuration(config)


def listed_configurations(
    configs: Sequence[Sequence[Sequence[str]]], scores: Sequence[float]
) -> str:
    lines = [LISTED_PREFIX]
    for i, (config, score) in enumerate(zip(configs, scores, strict=True), start=1):
        lines.append(f"{i}. {configuration_text(config)}: lower tower {score:.2f}cm")
    return "\n".join(lines)


def accepted_text(accepted: Sequence[Sequence[Sequence[str]]]) -> str:
    lines = [f"{ACCEPTED_PREFIX} ({len(accepted)}):"]
    lines.extend(f"{i}. {configuration_text(c)}" for i, c in enumerate(accepted, start=1))
    return "\n".join(lines)
