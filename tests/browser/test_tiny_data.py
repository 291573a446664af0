"""A data file too small to hold points out (static/js/tiny-data.js): the
homework's 4-point dataXor uploaded with the default validation share loses a
corner to validation; the page says so and trains on all four in one click."""
from __future__ import annotations

from tests.browser.app import open_app, point_count, settle, sign_grid, upload_lines, wait_for_api

# The homework's dataXor: the four corners, x1 x2 label per line.
DATA_XOR = "-1 -1 1\n1 1 1\n-1 1 -1\n1 -1 -1\n"


def test_a_tiny_file_offers_training_on_all_its_points(page, tmp_path, shot):
    open_app(page)
    settle(page)
    assert page.get_by_test_id("upload-note").is_hidden()     # the built-in data set is not tiny
    xor = tmp_path / "dataXor.txt"
    xor.write_text(DATA_XOR)
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("upload").set_input_files(str(xor))
    settle(page)
    assert (point_count(page, "train"), point_count(page, "val")) == (3, 1)   # one corner held out
    note = page.get_by_test_id("upload-note")
    assert note.is_visible()
    text = note.text_content()
    assert "dataXor.txt has only 4 points" in text and "holds 1 of them out" in text and "sees 3" in text
    shot("upload-tiny-file")
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("train-on-all").click()
    settle(page)
    assert (point_count(page, "train"), point_count(page, "val")) == (4, 0)
    assert page.get_by_test_id("val-share").input_value() == "0"
    assert note.is_hidden()
    assert "dataXor.txt: 4 training + 0 validation points" in page.get_by_test_id("data-source").text_content()


def test_a_file_of_ordinary_size_gets_no_note(page, tmp_path):
    open_app(page)
    settle(page)
    upload_lines(page, tmp_path, sign_grid(3))
    settle(page)
    assert point_count(page, "train") + point_count(page, "val") == 36
    assert page.get_by_test_id("upload-note").is_hidden()
