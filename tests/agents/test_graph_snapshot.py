"""The agent graph's structure, snapshotted as mermaid (a change to it is a deliberate one).

To accept an intended change, write ``build_graph().compile().get_graph().draw_mermaid()`` to
``tests/agents/snapshots/agent_graph.mmd``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agents._graph import build_graph

SNAPSHOT = Path(__file__).parent / "snapshots" / "agent_graph.mmd"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_graph_matches_the_snapshot(asynchronous: bool) -> None:
    drawn = build_graph(asynchronous=asynchronous).compile().get_graph().draw_mermaid()
    assert drawn.strip() == SNAPSHOT.read_text().strip()


def test_graph_has_the_two_nodes_and_their_loop() -> None:
    graph = build_graph().compile().get_graph()
    assert set(graph.nodes) == {"__start__", "agent", "env", "__end__"}
    edges = {(e.source, e.target) for e in graph.edges}
    assert {("__start__", "agent"), ("agent", "env"), ("env", "agent")} <= edges
    assert ("agent", "__end__") in edges and ("env", "__end__") in edges
