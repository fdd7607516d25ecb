"""The built-in envs and policies are registered by name at ``import envs``: the names must be
the ones their modules register when imported, or a policy would be listed twice."""

from __future__ import annotations

import importlib

import gymnasium

from envs._builtin import BUILTIN_POLICIES
from envs._policy import _POLICIES, _key


def test_every_builtin_policy_target_is_what_its_module_registers() -> None:
    before = {
        name: [_key(f) for f in _POLICIES.peek(name) or []] for name, _, _ in BUILTIN_POLICIES
    }
    for _, target, _ in BUILTIN_POLICIES:
        module, _, attr = target.partition(":")
        factory = getattr(importlib.import_module(module), attr)
        assert _key(factory) == target
    after = {name: _POLICIES.peek(name) or [] for name, _, _ in BUILTIN_POLICIES}
    for name, factories in after.items():
        assert [_key(f) for f in factories] == before[name]
        assert not any(isinstance(f, str) for f in factories), name


def test_every_builtin_env_entry_point_names_a_class() -> None:
    for env_id, spec in gymnasium.registry.items():
        if env_id.startswith("telic/") and isinstance(spec.entry_point, str):
            module, _, cls = spec.entry_point.partition(":")
            if module.startswith("envs."):
                assert isinstance(getattr(importlib.import_module(module), cls), type), env_id
