"""The cost model (server/cost.py) and the decisions it makes on every route:
the issue's heavy requests, each drawn coarser (saying so) or refused up
front.  Assertions are on the estimates, the decisions and the answers, never
on wall time, which a shared test machine cannot keep steady."""
from __future__ import annotations

import pytest

from server import cost

from .apicheck import CheckedClient

# The heavy case: about 99,500 parameters, 10,000 points, every extra.
BIG = [256, 256, 127]
HEAVY_VIEW = {"grid": 200, "thumb": 64,
              "include": ["curves", "thumbnails", "regions", "probs", "points", "active"]}
HEAVY = {"data": {"source": "generated", "name": "circle", "n": 10_000},
         "network": {"hidden": BIG}, "view": HEAVY_VIEW}
BUDGETS = {"ADVANCE_BUDGET_MS": 250, "FRAME_BUDGET_MS": 250}   # the defaults


@pytest.fixture
def api(make_app):
    return CheckedClient(make_app(**BUDGETS))


def big_shape() -> cost.Shape:
    return cost.Shape((2, *BIG, 2), 10_000)


def create(api, body) -> tuple[str, dict]:
    response = api.post("/api/sessions", json=body)
    assert response.status_code == 201, response.json
    return response.json["session"], response.json["frame"]


def assert_drawn_within_budget(frame: dict, budget_ms: int = 250) -> None:
    degraded = frame["degraded"]
    assert degraded is not None and degraded["budget_ms"] == budget_ms
    assert degraded["asked"] == {"grid": 200, "thumb": 64, "include": HEAVY_VIEW["include"]}
    drawn = degraded["drawn"]
    assert drawn["grid"] < 200 and frame["grid"]["resolution"] == drawn["grid"]
    assert 0 < degraded["estimate_ms"] <= budget_ms
    estimate = cost.drawing_ms(big_shape(), drawn["grid"], drawn["thumb"], drawn["include"])
    assert degraded["estimate_ms"] == pytest.approx(estimate, abs=0.05)
    for extra in ("curves", "thumbnails", "regions", "active"):
        assert (extra in frame) == (extra in drawn["include"])
    if "thumbnails" in frame:
        assert {t["size"] for t in frame["thumbnails"]} == {drawn["thumb"]}


# ---- the model ---------------------------------------------------------------------

def test_a_forward_pass_counts_products_and_activations():
    shape = cost.Shape((2, 3, 4), 10)
    assert shape.params == 3 * 3 + 4 * 4 and shape.units == 3
    assert shape.forward(5) == 5 * (9 + 3 * cost.ACTIVATE + 16 + 4 * cost.ACTIVATE)
    assert shape.forward(5, depth=1) == 5 * (9 + 3 * cost.ACTIVATE)


def test_a_view_that_fits_is_drawn_as_asked():
    shape = cost.Shape((2, 8, 2), 400)
    assert cost.fit_drawing(shape, 100, 16, ["curves", "thumbnails"], [], 250)[:3] == \
        (100, 16, ["curves", "thumbnails"])


def test_thumbnails_shrink_first_then_the_grid_then_extras_go():
    shape = big_shape()
    everything = HEAVY_VIEW["include"]
    grid, thumb, include, estimate = cost.fit_drawing(shape, 200, 64, everything, [], 250)
    assert thumb == cost.MIN_THUMB and grid < 200 and estimate <= 250
    # the finest grid that fits
    assert cost.drawing_ms(shape, grid + 1, thumb, include, []) > 250
    # with a budget too small for any grid the extras go, in their order
    grid, thumb, include, _ = cost.fit_drawing(shape, 200, 64, everything, [], 5)
    assert grid == cost.MIN_GRID and include == ["points"]


def test_a_step_counts_forward_backward_and_the_epoch_evaluation():
    shape = cost.Shape((2, 10, 2), 100)
    assert cost.step_ms(shape, 10) == pytest.approx(
        (3 * shape.forward(10) + shape.forward(100)) / cost.WORK_PER_MS)


def test_the_tint_view_costs_its_region_ids_on_top_of_the_count_and_goes_first():
    shape = cost.Shape((2, 100, 10, 3), 400)
    plain = cost.drawing_ms(shape, 100, 16, [])
    count = cost.drawing_ms(shape, 100, 16, ["regions"])
    # the tint view implies the count: the same work, plus 2 bytes a cell sent
    assert cost.drawing_ms(shape, 100, 16, ["tint"]) == pytest.approx(count + 100 * 100 * 2 * cost.SEND / cost.WORK_PER_MS)
    assert cost.drawing_ms(shape, 100, 16, ["regions", "tint"]) == cost.drawing_ms(shape, 100, 16, ["tint"])
    assert count > plain
    # over the budget the ids go before the count
    assert cost.EXTRAS_DROPPED.index("tint") < cost.EXTRAS_DROPPED.index("regions")
    tight = cost.drawing_ms(shape, cost.MIN_GRID, 16, ["regions"]) + 1e-6
    assert cost.fit_drawing(shape, 100, 16, ["regions", "tint"], [], tight)[2] == ["regions"]


def test_grids_of_many_networks_share_one_coarser_grid():
    shapes = [cost.Shape((2, 256, 256, 128, 8), 0)] * 16
    grid, estimate = cost.fit_grids(shapes, 200, 250)
    assert grid < 200 and estimate == cost.grids_ms(shapes, grid) <= 250
    assert cost.grids_ms(shapes, grid + 1) > 250
    assert cost.fit_grids(shapes[:1], 10, 250) == (10, cost.grids_ms(shapes[:1], 10))


# ---- the heavy requests ----------------------------------------------------

def test_create_with_the_heaviest_view_is_drawn_coarser_and_says_so(api):
    """grid 200 + thumb 64 + every extra, 99,455 parameters, 10,000 points:
    10.7 s on 428945f."""
    _, frame = create(api, HEAVY)
    assert_drawn_within_budget(frame)
    assert len(frame["points"]["train"]) + len(frame["points"]["val"]) == 10_000


def test_post_frame_with_the_heaviest_view_is_drawn_coarser_and_smaller(api):
    """9.6 s and a 6.2 MB answer on 428945f."""
    sid, _ = create(api, {**HEAVY, "view": {}})
    response = api.post(f"/api/sessions/{sid}/frame", json={"view": HEAVY_VIEW})
    assert response.status_code == 200
    assert_drawn_within_budget(response.json)
    # the 10,000 points are about 0.4 MB and the exact float64 weights of 99,455
    # parameters about 1.06 MB; the rest, drawn coarser, is small
    assert len(response.data) < 1_700_000


def test_advance_with_the_heaviest_view_trains_within_budget_and_draws_coarser(api):
    """advance {"epochs": 100} with that view: 10.5 s on 428945f (training
    was cut after one step, the drawing was not budgeted)."""
    sid, _ = create(api, {**HEAVY, "view": {}})
    response = api.post(f"/api/sessions/{sid}/advance", json={"epochs": 100, "view": HEAVY_VIEW})
    assert response.status_code == 200, response.json
    frame = response.json
    assert frame["advance"]["partial"] is True and frame["advance"]["steps_done"] >= 1
    assert_drawn_within_budget(frame)


def test_a_view_that_fits_is_not_degraded(api):
    _, frame = create(api, {"data": {"n": 400}, "network": {"hidden": [8]},
                            "view": {"grid": 100, "include": ["curves", "thumbnails"]}})
    assert frame["degraded"] is None and frame["grid"]["resolution"] == 100


def test_a_frame_budget_set_by_the_operator_is_kept(make_app):
    api = CheckedClient(make_app(FRAME_BUDGET_MS=1000))
    _, frame = create(api, HEAVY)
    assert_drawn_within_budget(frame, 1000)


def test_one_full_batch_step_beyond_the_budget_is_refused_before_it_runs(api):
    """A full-batch step at the limits alone took 1.4 s on 428945f."""
    sid, _ = create(api, {**HEAVY, "view": {}, "training": {"batch_size": 10_000}})
    step = cost.step_ms(big_shape(), 7_500)   # 10,000 points, a quarter held out
    assert step > 250
    response = api.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
    assert response.status_code == 400 and response.json["error"] == "over_budget"
    assert response.json["field"] == "training.batch_size"
    assert f"estimated at {step:.0f} ms" in response.json["message"]
    assert "allows 250 ms" in response.json["message"]
    counters = api.get(f"/api/sessions/{sid}").json["frame"]["counters"]
    assert counters["step"] == 0


# ---- the experiment runner -----------------------------------------------------------

EXPERIMENT = {"data": {"source": "generated", "name": "clusters", "n": 8},
              "architectures": [[256, 256, 128]] * 8, "epochs": 1, "trials": 1, "batch_size": 32}


def test_experiment_results_of_eight_big_networks_are_drawn_on_a_coarser_grid(api):
    """grid=200 for 8 architectures at the parameter limit: 21.4 s on 428945f."""
    status = api.post("/api/experiments", json=EXPERIMENT)
    assert status.status_code == 201, status.json
    eid = status.json["experiment"]
    for part in status.json["parts"]:
        chunk = api.post(f"/api/experiments/{eid}/advance", json={"part": part["part"]})
        assert chunk.status_code == 200 and chunk.json["done"], chunk.json
    results = api.get(f"/api/experiments/{eid}/results?grid=200").json
    degraded = results["degraded"]
    assert degraded["asked"] == {"grid": 200} and degraded["drawn"]["grid"] < 200
    assert degraded["estimate_ms"] <= 250
    drawn = {region["grid"]["resolution"] for arch in results["architectures"]
             for region in arch["regions"].values()}
    assert drawn == {degraded["drawn"]["grid"]} and len(results["architectures"]) == 8


def test_an_experiment_chunk_never_plans_past_its_budget(api):
    """A chunk with budget_ms 500 ran up to 3.5 s on 428945f: now a step
    estimated past the chunk's budget is refused, and no chunk is given
    more than ADVANCE_BUDGET_MS."""
    body = {**EXPERIMENT, "data": {"source": "generated", "name": "clusters", "n": 10_000},
            "architectures": [[256, 256, 128]], "batch_size": 1000}
    status = api.post("/api/experiments", json=body)
    assert status.status_code == 201, status.json
    eid = status.json["experiment"]
    step = cost.step_ms(cost.Shape((2, 256, 256, 128, 2), 10_000), 1000)
    assert 1 < step < 250
    refused = api.post(f"/api/experiments/{eid}/advance", json={"part": 0, "budget_ms": 1})
    assert refused.status_code == 400 and refused.json["field"] == "budget_ms"
    assert f"estimated at {step:.0f} ms" in refused.json["message"]
    full_batch = {**body, "batch_size": 10_000}
    refused = api.post("/api/experiments", json=full_batch)
    assert refused.status_code == 400 and refused.json["field"] == "architectures.0"
    assert "allows 250 ms" in refused.json["message"]
