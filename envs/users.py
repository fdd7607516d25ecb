"""Deprecated: the simulated users moved to :mod:`personalization.users`.

``from envs.users import X`` keeps working until telic 0.3, with a ``DeprecationWarning``.
"""

from telic import moved_names

__getattr__ = moved_names(__name__, new_module="personalization.users")
