"""The example plan files in data/examples/ are valid and draw on a small district."""

import json

import pytest

from data import EXAMPLES_DIR
from scheduler.actors import Actor
from scheduler.plans import create, draw

ACTOR = Actor.system("test")


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("plan-*.json")), ids=lambda p: p.name)
def test_example_plan_runs(db_session, small_district, path):
    data = json.loads(path.read_text(encoding="utf-8"))
    create.create_plan(db_session, data, ACTOR)
    plan = draw.freeze(db_session, data["code"], ACTOR)
    draw.set_seed(db_session, data["code"], "98765432109876543210", ACTOR)
    draw.draw(db_session, data["code"], ACTOR)
    assert plan.state == "drawn"
    assert plan.population_size > 0
