"""The playground's Notebook download: a button beside the other exports that
saves a valid .ipynb of the run on screen."""
from __future__ import annotations

import json

import nbformat

READY = "body[data-ready=true]"


def test_the_notebook_button_downloads_a_valid_ipynb_of_this_run(page, tmp_path):
    page.goto("/?data=moons&hidden=5&lr=0.1")
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => window.crease.idle()", timeout=30_000)
    page.get_by_test_id("epoch-step").click()
    page.wait_for_function("() => window.crease.idle() && window.crease.session.frame.counters.epoch === 1")
    button = page.get_by_test_id("export-ipynb")
    assert button.text_content() == "Notebook" and "Jupyter notebook" in button.get_attribute("title")
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "crease_run.ipynb"
    path = tmp_path / "run.ipynb"
    info.value.save_as(path)
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    code = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")
    assert "EPOCHS = 1 " in code and "Linear(2, 5, rng), ReLU()" in code and "'lr': 0.1" in code
    # the page's weights, written into the notebook for its final check
    weights = page.evaluate("Array.from(window.crease.session.frame.weights[0].W)")
    assert repr(float(weights[0])) in code
    assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"
