"""Data from a file in the homework's format: a good one is used, a bad one is
refused next to the control, naming the line."""
from __future__ import annotations

import pytest

from tests.browser.app import open_app, point_count, settle, wait_for_api


def homework_file(path, rows: int):
    """x1 x2 label per line, labels -1/+1 as in the homework's files, split by x2."""
    lines = []
    for k in range(rows):
        x1 = (k % 10) / 2 - 2.5
        x2 = (k // 10) - (rows // 10 - 1) / 2
        lines.append(f"{x1:.6e} {x2:.6e} {1 if x2 > 0 else -1}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_uploading_a_homework_file_uses_its_points(page, tmp_path, shot):
    open_app(page)
    settle(page)
    data = homework_file(tmp_path / "data_train.csv", 40)
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("upload").set_input_files(str(data))
    settle(page)
    assert point_count(page, "train") + point_count(page, "val") == 40
    assert "data_train.csv" in page.get_by_test_id("data-source").text_content()
    assert page.get_by_test_id("upload-error").is_hidden()
    assert page.get_by_test_id("epoch-count").text_content() == "0"
    shot("uploaded-file")


@pytest.mark.allow_page_errors("status of 400", "HTTP 400: POST")
def test_a_malformed_file_shows_its_error_and_line_next_to_the_control(page, tmp_path, shot):
    open_app(page)
    settle(page)
    points_before = point_count(page, "train")
    bad = tmp_path / "broken.csv"
    bad.write_text("0.5 1.0 1\n-0.5 0.25 -1\n0.75 oops 1\n")
    with wait_for_api(page, "/api/datafile", "POST"):
        page.get_by_test_id("upload").set_input_files(str(bad))
    error = page.get_by_test_id("upload-error")
    error.wait_for(state="visible")
    assert "broken.csv" in error.text_content()
    assert "line 3" in error.text_content()
    settle(page)
    assert point_count(page, "train") == points_before
    shot("upload-error")
