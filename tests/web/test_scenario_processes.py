"""Scenarios run in separate processes give the results they give in this one (issue 22).

The workflow engine is Python, so threads of one process only took turns; the pool of
`scenarios/processes.py` runs scenarios side by side. The suite runs scenarios in its own
process (tests/conftest.py); these tests turn the pool on.
"""
import time
from pathlib import Path

import pytest

from engine.modeling import read_source
from scenarios import processes
from scenarios.catalogue import load_all
from scenarios.runner import run_all

BPMN = Path(__file__).resolve().parents[2] / "bpmn"


@pytest.fixture
def pool():
    processes.configure(2)
    yield
    processes.configure(0)


def _comparable(results):
    return [(r["id"], r["ok"], r["step"], r["message"], sorted(r["reached"])) for r in results]


def test_two_processes_give_the_results_of_one(pool):
    files = {n: (d.decode() if isinstance(d, bytes) else d) for n, d in read_source(BPMN).items()}
    scenarios = load_all()[:3]
    results: list = [None] * len(scenarios)
    order = []

    def finished(n, result):
        results[n] = result
        order.append(n)
    assert processes.run_each(files, scenarios, finished) == []
    assert sorted(order) == [0, 1, 2]
    assert _comparable(results) == _comparable(run_all(files, scenarios))
    assert all(r["ok"] and r["reached"] for r in results)


def test_a_passed_deadline_runs_nothing_and_says_which(pool):
    files = {n: (d.decode() if isinstance(d, bytes) else d) for n, d in read_source(BPMN).items()}
    seen = []
    assert processes.run_each(files, load_all()[:2], lambda n, r: seen.append(n),
                              deadline=time.monotonic() - 1) == [0, 1]
    assert seen == []
