import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.datafile import DataFileError, parse_points

from .homework_files import homework_data

NUMBER = r"-?\d\.\d{18}e[+-]\d\d"


def test_reads_whitespace_commas_comments_and_blank_lines():
    text = "# x1 x2 label\n\n1 2 -1\n3.5,\t-4e-1 , +1   # trailing comment\r\n  -.5  6.  1\n"
    X, y, k = parse_points(text)
    np.testing.assert_array_equal(X, [[1.0, 3.5, -0.5], [2.0, -0.4, 6.0]])
    np.testing.assert_array_equal(y, [0, 1, 1])
    assert (k, X.dtype, y.dtype) == (2, np.float64, np.int64)


def test_zero_based_labels_give_k_classes():
    X, y, k = parse_points("0 0 0\n1 1 3\n2 2 1.0\n3 3 7e0\n")
    assert y.tolist() == [0, 3, 1, 7] and k == 8 and X.shape == (2, 4)


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf1 2 0\n3 4 1\n",      # UTF-8 with a BOM
    b"1 2 0\r3 4 1",                    # old Mac line ends, no final newline
    "\ufeff1 2 0\n3 4 1\n",             # a BOM that survived decoding
    bytearray(b"1,2,0\n3,4,1\n"),
])
def test_accepts_bytes_and_line_end_variants(data):
    X, y, k = parse_points(data)
    np.testing.assert_array_equal(X, [[1.0, 3.0], [2.0, 4.0]])
    assert y.tolist() == [0, 1] and k == 2


BAD = [
    ("", None, "no data points"),
    ("# only a comment\n\n   \n", None, "no data points"),
    ("1 2 0\n1 2\n", 2, "wrong number of columns: expected 3 (x1 x2 label), found 2"),
    ("1 2 0\n1 2 3 4\n", 2, "found 4"),
    ("1,2,0\n1,,1\n", 2, "empty value"),
    ("1,2,0,\n", 1, "trailing comma"),
    ("x1,x2,label\n1,2,0\n", 1, "non-numeric value 'x1' in column 1 (a header? start it with #)"),
    ("1 2 0\n1 abc 1\n", 2, "non-numeric value 'abc' in column 2"),
    ("1 2 0\n1 1_000 1\n", 2, "non-numeric value '1_000'"),
    ("1 2 0\n1 \u0661 1\n", 2, "non-numeric value"),         # an Arabic-Indic digit
    ("1 2 0\nnan 2 1\n", 2, "NaN or infinite value 'nan' in column 1"),
    ("1 2 0\n1 -Infinity 1\n", 2, "NaN or infinite value '-Infinity' in column 2"),
    ("1 2 0\n1 1e999 1\n", 2, "overflows to infinity"),
    ("1 2 0\n1 2 nan\n", 2, "NaN or infinite value 'nan' in column 3"),
    ("1 2 0\n3 4 2.5\n", 2, "label 2.5 is not an integer"),
    ("1 2 0\n3 4 -2\n", 2, "label -2 is out of range: use -1/+1 or 0..7"),
    ("1 2 0\n3 4 8\n", 2, "label 8 is out of range"),
    ("1 2 -1\n3 4 1\n5 6 0\n", 3, "labels mix -1/+1 (line 1) with 0..k-1 (line 3)"),
    ("1 2 2\n\n3 4 -1\n", 3, "labels mix -1/+1 (line 3) with 0..k-1 (line 1)"),
    ("1 2 1\n3 4 1\n", None, "all 2 points have label 1: need at least two classes"),
    ("1 2 -1\n", None, "all 1 points have label -1"),
    ("1 2 0\nab\x00cd\n", 2, "binary data"),
    (b"1 2 0\n3 4 1\n\x00\x01\x02", 3, "binary data"),
    (b"1 2 0\n3 4 \xff\xfe\n", 2, "not UTF-8 text (byte 0xff)"),
]


@pytest.mark.parametrize("text, line, reason", BAD)
def test_bad_input_names_the_line_and_the_reason(text, line, reason):
    with pytest.raises(DataFileError) as info:
        parse_points(text)
    assert info.value.line == line
    assert reason in info.value.reason
    assert str(info.value) == (info.value.reason if line is None else f"line {line}: {info.value.reason}")
    assert isinstance(info.value, ValueError)


def test_too_many_points_is_reported_at_the_first_extra_row():
    text = "# header\n" + "".join(f"{i} {i} {i % 2}\n" for i in range(6))
    assert parse_points(text, max_points=6)[0].shape == (2, 6)
    with pytest.raises(DataFileError) as info:
        parse_points(text, max_points=5)
    assert (info.value.line, info.value.reason) == (7, "too many points: the limit is 5")


def test_default_limit_is_ten_thousand_points():
    rows = "".join(f"{i} 0 {i % 2}\n" for i in range(10_000))
    assert parse_points(rows)[0].shape == (2, 10_000)
    with pytest.raises(DataFileError, match="line 10001: too many points: the limit is 10000"):
        parse_points(rows + "1 1 1\n")


def test_error_survives_pickling():
    err = pickle.loads(pickle.dumps(DataFileError(4, "label 2.5 is not an integer")))
    assert (err.line, err.reason, str(err)) == (4, "label 2.5 is not an integer",
                                                "line 4: label 2.5 is not an integer")


# (file, points, class counts after mapping -1/+1 to 0/1), from course-data/README.md
COURSE_FILES = [
    ("data1_train", 400, [199, 201]), ("data1_validate", 200, [97, 103]),
    ("data2_train", 400, [205, 195]), ("data2_validate", 200, [97, 103]),
    ("data3_train", 400, [208, 192]), ("data3_validate", 200, [99, 101]),
    ("data4_train", 400, [200, 200]), ("data4_validate", 400, [200, 200]),
    ("data3class_train", 800, [268, 267, 265]), ("dataXor_train", 4, [2, 2]),
]


@pytest.mark.parametrize("name, dataset, k", [("2", "clusters", 2), ("3class", "three_clusters", 3)])
def test_reads_files_in_the_homework_format(tmp_path, name, dataset, k):
    X, y, X_val, y_val = homework_data(tmp_path, name, dataset, 30, 12, seed=4)
    for path, X_want, y_want in ((tmp_path / f"data{name}_train.csv", X, y),
                                 (tmp_path / f"data{name}_validate.csv", X_val, y_val)):
        text = path.read_text()
        label = r"-?1\.0{18}e\+00" if k == 2 else r"\d\.0{18}e\+00"
        assert all(re.fullmatch(f"{NUMBER} {NUMBER} {label}", line) for line in text.splitlines())
        got_X, got_y, got_k = parse_points(path.read_bytes())
        np.testing.assert_array_equal(got_X, X_want)            # %.18e reads back exactly
        np.testing.assert_array_equal(got_y, y_want)
        assert got_k == k
    assert "-1.000000000000000000e+00" in text if k == 2 else "2.000000000000000000e+00" in text


@pytest.mark.course_data
@pytest.mark.parametrize("name, points, counts", COURSE_FILES)
def test_reads_the_homework_course_files(course_data, name, points, counts):
    path = course_data / f"{name}.csv"
    X, y, k = parse_points(path.read_bytes())
    assert X.shape == (2, points) and k == len(counts)
    assert np.bincount(y).tolist() == counts
    reference = np.loadtxt(path, ndmin=2)   # an independent reader of the same file
    np.testing.assert_array_equal(X, reference[:, :2].T)
    np.testing.assert_array_equal(y, np.where(reference[:, 2] == -1, 0, reference[:, 2]))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.binary(),
                 st.lists(st.sampled_from(["1", "-1", "0", "2.5", "nan", ",", " ", "\t", "\n",
                                           "#", "e", "+", ".", "9", "\x00", "\r", "1e999"]))
                 .map("".join)))
def test_arbitrary_input_raises_only_data_file_errors(data):
    try:
        X, y, k = parse_points(data)
    except DataFileError as err:
        assert err.line is None or err.line >= 1
        return
    assert X.shape == (2, y.shape[0]) and 2 <= k <= 8
    assert np.all(np.isfinite(X)) and y.min() >= 0 and y.max() == k - 1


finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def valid_files(draw):
    plus_minus = draw(st.booleans())
    label_values = [-1, 1] if plus_minus else list(range(draw(st.integers(2, 8))))
    rows = draw(st.lists(st.tuples(finite, finite, st.sampled_from(label_values)),
                         min_size=2, max_size=40))
    if len({r[2] for r in rows}) < 2:
        rows.append((0.0, 0.0, next(v for v in label_values if v != rows[0][2])))
    sep = draw(st.sampled_from([" ", "\t", ",", ", ", "  ,\t"]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    label_format = draw(st.sampled_from(["{:d}", "{:+d}", "{:.1f}", "{:e}"]))
    lines = []
    for x1, x2, label in rows:
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# comment", "   ", "\t# x, y, label"])))
        lines.append(sep.join([repr(x1), repr(x2), label_format.format(label)]))
    return end.join(lines), rows, plus_minus


@settings(max_examples=100, deadline=None)
@given(valid_files(), st.booleans())
def test_valid_files_round_trip_exactly(file, as_bytes):
    text, rows, plus_minus = file
    X, y, k = parse_points(text.encode() if as_bytes else text)
    np.testing.assert_array_equal(X, np.array([r[:2] for r in rows]).T)
    labels = np.array([r[2] for r in rows])
    expected = (labels + 1) // 2 if plus_minus else labels
    np.testing.assert_array_equal(y, expected)
    assert k == expected.max() + 1


@pytest.mark.parametrize("blank", ["\n", "\r\n", "\r", "# comment\n"])
def test_lines_beyond_four_per_point_are_refused_before_reading(blank):
    """4 MB of blank lines took 3.2-3.6 s to walk through: counted first now."""
    head = "0 0 0\n1 1 1\n"
    fits = head + blank * (4 * 10 + 100 - 3)
    assert parse_points(fits, max_points=10)[1].tolist() == [0, 1]
    with pytest.raises(DataFileError) as caught:
        parse_points(fits + blank, max_points=10)
    assert caught.value.line is None and "the limit is 140" in caught.value.reason
