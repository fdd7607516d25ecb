"""telic's Gymnasium environments and the toolkit to write new ones.

Importing ``envs`` registers every built-in environment under the ``telic/`` namespace, so
``gymnasium.make("telic/Combined-v1")`` works. It does so without importing Gymnasium (or
numpy): the IDs reach Gymnasium's registry when Gymnasium is first imported, and the names that
need it (the text-env toolkit below) load on first use. The toolkit (:class:`TextEnv`,
:class:`ActionSpec`, the two action protocols) is what the built-in Blocksworld tasks use and
what a new environment builds on; see ``docs/adding_an_environment.md``.
"""

from typing import TYPE_CHECKING

__telic_package__ = True

from telic import lazy_exports, moved_names, verify_layout

verify_layout()

from envs._actions import (  # noqa: E402
    ActionError,
    ActionSpec,
    Param,
    ParsedAction,
    encode_tool_call,
    extract_tag,
    format_configuration,
    parse_configuration,
    parse_tag_action,
    parse_tool_action,
)
from envs._builtin import register_builtins  # noqa: E402
from envs._policy import (  # noqa: E402
    POLICY_ENTRY_POINT_GROUP,
    Policy,
    PolicyAction,
    UnknownPolicyError,
    make_policies,
    policy_names,
    register_policy,
    resolve_policy,
)
from envs._registry import (  # noqa: E402
    ENTRY_POINT_GROUP,
    RegisteredEnv,
    UnknownEnvError,
    env_entry,
    import_plugin_modules,
    load_plugins,
    make,
    register_env,
    registered_envs,
)
from envs._validate import check_int, require_int  # noqa: E402

# By name only: the task and policy modules load the first time one is made.
register_builtins()

if TYPE_CHECKING:
    from envs._record import SCHEMA_VERSION, ActionRecord, EpisodeRecord, Message, Usage
    from envs._text import (
        BASE_INFO_KEYS,
        PROTOCOLS,
        SUMMARY_INFO_KEYS,
        WIDE_CHARSET,
        EpisodeOverError,
        Outcome,
        TextEnv,
        text_space,
        to_charset,
    )

#: Names imported on first use: the record models need pydantic, which playing an env does
#: not, and the text-env base class needs Gymnasium (and numpy), which registering does not.
_DEFERRED = {
    **{
        name: "envs._record"
        for name in ("SCHEMA_VERSION", "ActionRecord", "EpisodeRecord", "Message", "Usage")
    },
    **{
        name: "envs._text"
        for name in (
            "BASE_INFO_KEYS",
            "PROTOCOLS",
            "SUMMARY_INFO_KEYS",
            "WIDE_CHARSET",
            "EpisodeOverError",
            "Outcome",
            "TextEnv",
            "text_space",
            "to_charset",
        )
    },
}
# Renamed public names: the old name works until telic 0.3, with a DeprecationWarning.
_moved = moved_names(__name__, {"EnvEntry": "envs:RegisteredEnv"}, stacklevel=3)


__getattr__ = lazy_exports(globals(), _DEFERRED, _moved)


__all__ = [
    "BASE_INFO_KEYS",
    "ENTRY_POINT_GROUP",
    "POLICY_ENTRY_POINT_GROUP",
    "PROTOCOLS",
    "SCHEMA_VERSION",
    "SUMMARY_INFO_KEYS",
    "WIDE_CHARSET",
    "ActionError",
    "ActionRecord",
    "ActionSpec",
    "EpisodeOverError",
    "EpisodeRecord",
    "Message",
    "Outcome",
    "Param",
    "ParsedAction",
    "Policy",
    "PolicyAction",
    "RegisteredEnv",
    "TextEnv",
    "UnknownEnvError",
    "UnknownPolicyError",
    "Usage",
    "check_int",
    "encode_tool_call",
    "env_entry",
    "extract_tag",
    "format_configuration",
    "import_plugin_modules",
    "load_plugins",
    "make",
    "make_policies",
    "parse_configuration",
    "parse_tag_action",
    "parse_tool_action",
    "policy_names",
    "register_env",
    "register_policy",
    "registered_envs",
    "require_int",
    "resolve_policy",
    "text_space",
    "to_charset",
]
