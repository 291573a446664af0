"""Reader for 2D point files in the homework's format.

One point per row, ``x1 x2 label``, values separated by whitespace or commas.
Blank lines and ``#`` comments are skipped.  Labels are integers, either
-1/+1 (mapped to 0/1, as the homework's harness does) or 0..k-1 with k <= 8.
Anything else raises ``DataFileError`` naming the line and the reason, never
another exception, whatever the input.
"""
from __future__ import annotations

import math
import re

import numpy as np

from engine.network import MAX_CLASSES

COLUMNS = 3
# Lines a file may have per point allowed, blank and comment lines included:
# counted before any line is read, so a file of millions of blank lines is
# refused at once instead of walked through line by line.
LINES_PER_POINT = 4
SPARE_LINES = 100

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SEPARATOR = re.compile(r"\s*,\s*|\s+")
# Deliberately stricter than float(): no "1_000", no non-ASCII digits.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.ASCII | re.IGNORECASE)


class DataFileError(ValueError):
    """A data file that cannot be read; ``line`` is 1-based, or None when the
    problem is the file as a whole."""

    def __init__(self, line: int | None, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(reason if line is None else f"line {line}: {reason}")

    def __reduce__(self):
        return type(self), (self.line, self.reason)


def _short(token: str) -> str:
    return repr(token if len(token) <= 24 else token[:21] + "...")


def _number(token: str, line: int, column: int) -> float:
    if _NUMBER.fullmatch(token):
        value = float(token)
        if math.isfinite(value):
            return value
        raise DataFileError(line, f"value {_short(token)} in column {column} overflows to infinity")
    if _NON_FINITE.fullmatch(token):
        raise DataFileError(line, f"NaN or infinite value {_short(token)} in column {column}")
    raise DataFileError(line, f"non-numeric value {_short(token)} in column {column}")


def _label(token: str, line: int) -> int:
    value = _number(token, line, COLUMNS)
    if value != int(value):
        raise DataFileError(line, f"label {token} is not an integer")
    if not -1 <= value < MAX_CLASSES:
        raise DataFileError(line, f"label {int(value)} is out of range: "
                                  f"use -1/+1 or 0..{MAX_CLASSES - 1}")
    return int(value)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise DataFileError(data.count(b"\n", 0, data.index(b"\x00")) + 1,
                            "binary data (a NUL byte), not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataFileError(data.count(b"\n", 0, err.start) + 1,
                            f"not UTF-8 text (byte 0x{data[err.start]:02x})") from None


def _rows(text: str, max_points: int):
    """Yield (line number, x1, x2, label) for every data row."""
    count = 0
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        tokens = _SEPARATOR.split(content) if "," in content else content.split()
        if "" in tokens:
            raise DataFileError(number, "empty value (two separators in a row or a trailing comma)")
        if len(tokens) != COLUMNS:
            raise DataFileError(number, f"wrong number of columns: expected {COLUMNS} "
                                        f"(x1 x2 label), found {len(tokens)}")
        try:
            x1, x2 = _number(tokens[0], number, 1), _number(tokens[1], number, 2)
        except DataFileError as err:
            if count == 0 and "non-numeric" in err.reason:
                raise DataFileError(number, err.reason + " (a header? start it with #)") from None
            raise
        label = _label(tokens[2], number)
        count += 1
        if count > max_points:
            raise DataFileError(number, f"too many points: the limit is {max_points}")
        yield number, x1, x2, label


def parse_points(text: str | bytes, max_points: int = 10_000):
    """Read a data file's text (or bytes, UTF-8 with or without a BOM).

    Returns ``(X, labels, n_classes)``: X is 2 x n float64, labels (n,) int64
    in 0..n_classes-1, n_classes = the largest label + 1 (2 for -1/+1 files).
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = _decode(bytes(text))
    elif "\x00" in text:
        raise DataFileError(text.count("\n", 0, text.index("\x00")) + 1,
                            "binary data (a NUL byte), not a text file")
    text = text.removeprefix("\ufeff")
    lines = text.count("\n") + text.count("\r") - text.count("\r\n") + 1
    max_lines = LINES_PER_POINT * max_points + SPARE_LINES
    if lines > max_lines:
        raise DataFileError(None, f"{lines} lines; the limit is {max_lines} ({LINES_PER_POINT} "
                                  f"per point allowed, blank and comment lines included)")
    points, labels = [], []
    first_minus_one = first_other = None   # line numbers of the two label styles
    for number, x1, x2, label in _rows(text, max_points):
        if label == -1 and first_minus_one is None:
            first_minus_one = number
        if label not in (-1, 1) and first_other is None:
            first_other = number
        if first_minus_one is not None and first_other is not None:
            raise DataFileError(number, f"labels mix -1/+1 (line {first_minus_one}) with "
                                        f"0..k-1 (line {first_other}): use one style")
        points.append((x1, x2))
        labels.append(label)
    if not points:
        raise DataFileError(None, "no data points (the file is empty or only comments)")
    y = np.array(labels, dtype=np.int64)
    if first_minus_one is not None:
        y = (y + 1) // 2
    if np.all(y == y[0]):
        raise DataFileError(None, f"all {len(y)} points have label {labels[0]}: "
                                  f"need at least two classes")
    X = np.array(points, dtype=np.float64).T.copy()
    return X, y, int(y.max()) + 1
