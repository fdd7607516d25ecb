"""Data files shipped with ``envs``.

``distractions.txt``: the distraction corpus of the Blocksworld (spec 1.4, project decision
9.4), about sixty lines of plain prose written for this project (toy blocks, weather, trains,
gardening, everyday odds and ends). One line is appended to an observation when a distraction
fires.
"""
