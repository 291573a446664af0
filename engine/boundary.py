"""Where the predicted class changes on a grid: marching squares over classes.

The grid is the one of ``engine.grid``: R x R nodes, node u = i * R + j at
(xs[j], ys[i]), each with k output scores and a winning class.  Only the
edges where the winner changes are looked at (a few hundred of a 100 x 100
grid's 20,000), never a field per pair of classes over the whole grid:

1. Crossings.  An edge whose nodes have different winners, a at its first
   node and b at its second, carries one crossing where f = score_b -
   score_a is 0 on the line between them: f <= 0 at the first node, >= 0
   at the second (a tie goes to the lower class).  With two classes these
   are the vertices contourpy draws for score_1 - score_0 = 0, to rounding.
2. Successors.  A crossing is directed into the one of its two grid squares
   that keeps the higher class on its left; its successor is the other
   crossing of that square, in a square between two classes.  A square with
   four crossings between two classes (a saddle) keeps the corners of the
   class that wins at its centre, the corners' mean, joined, as contourpy
   does.  Where three or more classes meet in a square (a triple point)
   every crossing runs to one point, the mean of them, so the class
   boundaries meet there.
3. Chains.  Successors are followed into polylines: from every triple point
   and every open end (at the view's edge), then round the closed loops.

A node with a score that is not finite (a diverged network) is left out:
no edge to it has a crossing, and nothing raises.
"""
from __future__ import annotations

import functools
import math
from array import array
from typing import NamedTuple

import numpy as np

# A grid square is named by its lower-left node; its edges, counterclockwise:
BOTTOM, RIGHT, TOP, LEFT = range(4)


class Layout(NamedTuple):
    """Index tables of an R x R grid, padded by one node on every side so
    that the squares beyond the view's edge read as having no crossings.

    Edges are numbered ``kind * P + p``: kind 0 runs along x from padded node
    p, kind 1 along y; padded node p = (i + 1) * W + j + 1 for node (i, j),
    W = R + 2, P = W * W.  A square is numbered by its lower-left padded node.
    """
    W: int
    P: int
    nodes: np.ndarray        # 2 x 2P: each edge's first and second grid node (i * R + j)
    sides: np.ndarray        # 4 x 4: column 2 * kind + (first node's class is higher):
                             # the square the crossing runs into and its three other
                             # edges, as offsets from the crossing's edge
    square_edges: np.ndarray  # (4,) edges BOTTOM, RIGHT, TOP, LEFT as offsets from a square
    kind_x2: np.ndarray       # (2P,) uint8: 2 * each edge's kind, the first index into sides


@functools.lru_cache(maxsize=4)
def _layout(R: int) -> Layout:
    W = R + 2
    P = W * W
    i, j = np.divmod(np.arange(P), W)
    node = (i - 1) * R + (j - 1)                # meaningless on the padding, never read there
    nodes = np.stack([np.concatenate([node, node]), np.concatenate([node + 1, node + R])])
    square_edges = np.array([0, P + 1, W, P])
    # Going into a square, the higher class is on the left when the edge is the
    # square's bottom and its first node is higher (into the square above), its
    # top and the second is higher (below), its left and the second is higher
    # (to the right), or its right and the first is higher (to the left).
    sides = []
    for kind, first_higher, side in [(0, 0, TOP), (0, 1, BOTTOM), (1, 0, LEFT), (1, 1, RIGHT)]:
        square = -square_edges[side]                    # from the edge to its square
        others = [square + square_edges[s] for s in range(4) if s != side]
        sides.append([square] + others)
    kind_x2 = np.repeat(np.array([0, 2], dtype=np.uint8), P)
    return Layout(W, P, nodes, np.array(sides).T.copy(), square_edges, kind_x2)


@functools.lru_cache(maxsize=8)
def _node_points(x_bytes: bytes, y_bytes: bytes) -> np.ndarray:
    """x and y of every grid node, 2 x R*R, read-only (shared between calls)."""
    xs, ys = np.frombuffer(x_bytes), np.frombuffer(y_bytes)
    points = np.empty((2, ys.size, xs.size))
    points[0], points[1] = xs, ys[:, None]
    points.flags.writeable = False
    return points.reshape(2, -1)


def _changes(classes: np.ndarray, layout: Layout) -> np.ndarray:
    """Flat bool over the layout's edges: the edge joins nodes of different classes."""
    R = layout.W - 2
    grid = classes.reshape(R, R)
    changes = np.zeros((2, layout.W, layout.W), dtype=bool)
    np.not_equal(grid[:, :-1], grid[:, 1:], out=changes[0, 1:-1, 1:-2])
    np.not_equal(grid[:-1], grid[1:], out=changes[1, 1:-2, 1:-1])
    return changes.reshape(-1)


class Crossings(NamedTuple):
    edge: np.ndarray          # (n,) the layout's edge numbers, ascending
    points: np.ndarray        # 2 x n float64: x, y
    first_higher: np.ndarray  # (n,) bool: the edge's first node has the higher class
    on_node: bool             # some crossing lies exactly on a grid node
    clipped: bool             # edges were left out for non-finite scores


def _crossings(scores, classes, changes, layout, node_points) -> Crossings:
    """The crossing on every changed edge whose nodes' scores are all finite.
    Clears ``changes`` where they are not."""
    edge = np.flatnonzero(changes)
    nodes = layout.nodes.take(edge, axis=1)                             # 2 x n
    # a sum that overflows only sends finite scores the slow way round
    with np.errstate(invalid="ignore", over="ignore"):
        clipped = not math.isfinite(scores.take(nodes, axis=1).sum())
    if clipped:
        finite = np.isfinite(scores.take(nodes, axis=1)).all(axis=(0, 1))
        changes[edge[~finite]] = False
        edge, nodes = edge[finite], nodes[:, finite]
    winners = classes.take(nodes)
    # score_b - score_a at both nodes; flat indices into scores are cheaper than pairs
    at = winners.astype(np.intp) * scores.shape[1]
    flat = scores.reshape(-1)
    f = (flat.take(at[1] + nodes) - flat.take(at[0] + nodes)).astype(np.float64)
    # f <= 0 at the first node, >= 0 at the second, and not 0 at both: a tie
    # goes to the lower class, so only the lower class's node can have f = 0
    t = f[0] / (f[0] - f[1])
    first, second = node_points.take(nodes[0], axis=1), node_points.take(nodes[1], axis=1)
    points = first + (second - first) * t        # exactly on the grid line the edge lies on
    on_node = bool((f == 0).any())
    if on_node:                                  # exactly on it, as on the first node at t = 0
        at_second = f[1] == 0
        points[:, at_second] = second[:, at_second]
    return Crossings(edge, points, winners[0] > winners[1], on_node, clipped)


def _successors(crossings: Crossings, changes, layout: Layout):
    """Each crossing's successor where the square it runs into has one other
    crossing, -1 where it has none (an open end) or more; and the squares
    with more, where a saddle or a triple point decides (padded numbers,
    ascending)."""
    edge = crossings.edge
    case = layout.kind_x2.take(edge) + crossings.first_higher
    # 4 x n, not n x 4: numpy reduces across 3 rows of n far faster than along n rows of 3
    around = edge + layout.sides.take(case, axis=1)
    others = around[1:]
    found = changes.take(others)
    count = found.sum(axis=0)
    successor = np.searchsorted(edge, np.where(found, others, 0).max(axis=0))
    successor[count != 1] = -1
    if crossings.clipped:
        # With a corner left out, a square's other three corners may hold three
        # classes and both its crossings run into it: drop that segment.
        mutual = (successor >= 0) & (successor.take(successor) == np.arange(edge.size))
        successor[mutual] = -1
    crowded = np.flatnonzero(count >= 2)
    return successor, (np.unique(around[0, crowded]) if crowded.size else crowded)


# A saddle's two segments as pairs of its edges (BOTTOM, RIGHT, TOP, LEFT):
# cutting off its lower-right and upper-left corners, or the other two.
CUT_OFF_SIDE_CORNERS = np.array([[BOTTOM, RIGHT], [TOP, LEFT]])
CUT_OFF_DIAGONAL = np.array([[LEFT, BOTTOM], [RIGHT, TOP]])
# Going into a square from its edge, the edge's first node is on the left for
# BOTTOM and RIGHT, its second for TOP and LEFT.
SECOND_ON_LEFT = np.array([False, False, True, True])


def _saddles(squares, index, leaves, layout, scores, classes):
    """Of crowded squares with four crossings (m x 4 ``index``, ``leaves``),
    those with one class on the diagonal and another off it: saddles.
    Returns (runs into, runs out of) crossing pairs, two per saddle, and
    which squares are saddles.  The class winning at the centre, the mean
    of the corners, keeps its corners joined.  At a tie the lower class
    wins, as in argmax (and as contourpy counts f <= 0 below)."""
    W = layout.W
    corners = layout.nodes[0].take(squares + np.array([[0], [1], [W + 1], [W]]))   # 4 x m
    ll, lr, ur, ul = classes.take(corners).astype(np.intp)
    saddle = (ll == ur) & (lr == ul)
    corners, ll, lr, index, leaves = corners[:, saddle], ll[saddle], lr[saddle], index[saddle], leaves[saddle]
    low, high = np.minimum(ll, lr), np.maximum(ll, lr)
    centre = (scores[high, corners] - scores[low, corners]).astype(np.float64).sum(axis=0)
    diagonal_joined = (centre > 0) == (ll == high)
    columns = np.where(diagonal_joined[:, None, None], CUT_OFF_SIDE_CORNERS, CUT_OFF_DIAGONAL)
    rows = np.arange(index.shape[0])[:, None, None]
    pair, pair_leaves = index[rows, columns], leaves[rows, columns]         # s x 2 x 2
    return pair[pair_leaves], pair[~pair_leaves], saddle


def _crowded_squares(squares, crossings, successor, changes, layout, scores, classes):
    """Squares with three or four crossings: links a saddle's in ``successor``;
    returns the triple points (h of them) as (index h x 4: their squares'
    crossings, BOTTOM, RIGHT, TOP, LEFT, -1 where none; leaves h x 4: the
    crossing runs into the square; centres 2 x h: the mean of the crossings)."""
    edges = squares[:, None] + layout.square_edges                      # m x 4
    present = changes.take(edges)
    index = np.where(present, np.searchsorted(crossings.edge, edges), -1)
    leaves = present & (crossings.first_higher.take(index) != SECOND_ON_LEFT)   # -1: masked
    count = present.sum(axis=1)
    four = count == 4
    if four.any():
        into, out_of, saddle = _saddles(squares[four], index[four], leaves[four],
                                        layout, scores, classes)
        successor[into] = out_of
        hub = np.ones(squares.size, dtype=bool)
        hub[np.flatnonzero(four)[saddle]] = False
        index, leaves, present, count = index[hub], leaves[hub], present[hub], count[hub]
    ends = np.where(present, crossings.points.take(index, axis=1), 0.0)     # 2 x h x 4
    centres = ends.sum(axis=2) / count
    return index, leaves, centres


def _link_triple_points(index, leaves, successor: list, n: int) -> list[list[int]]:
    """Point every crossing that runs into a triple point (numbered from n
    on) at it; return the (triple point, crossing) steps out of them."""
    steps = []
    for hub, (row, runs_in) in enumerate(zip(index.tolist(), leaves.tolist()), start=n):
        for crossing, into in zip(row, runs_in):
            if into:
                successor[crossing] = hub
            elif crossing >= 0:
                steps.append([hub, crossing])
    return steps


def _chains(successor: list, starts: list, n: int) -> tuple[array, list[int]]:
    """Vertex paths, all in one array of vertex numbers, and where each ends:
    ``starts`` (lists of vertices) followed to their end, then the loops left
    among crossings 0..n-1, their first vertex again at the end.  A Python
    loop over crossings: a few hundred, against R * R grid nodes; an array
    of them becomes a numpy one without a copy."""
    order, stops = array("q"), []
    append = order.append
    triple_points = 0                  # how often they appear in order
    for path in starts:
        order.extend(path)
        vertex = successor[path[-1]]
        while vertex >= 0:
            append(vertex)
            vertex = successor[vertex]
        stops.append(len(order))
        triple_points += (path[0] >= n) + (order[-1] >= n)
    if len(order) - triple_points < n:                        # some crossings lie on loops
        left = set(range(n)).difference(order)
        for first in sorted(left):
            if first in left:
                vertex = first
                while vertex in left:
                    append(vertex)
                    left.discard(vertex)
                    vertex = successor[vertex]
                append(first)
                stops.append(len(order))
    return order, stops


def _polylines(order, stops, vertices, on_node: bool) -> list[np.ndarray]:
    """The chained vertices as N x 2 arrays.  A line through a grid node has
    a crossing there on two edges: then keep one of the equal points."""
    points = vertices.T.take(np.frombuffer(order, dtype=np.int64), axis=0)
    lines = [points[a:b] for a, b in zip([0] + stops[:-1], stops)]
    if on_node:
        lines = [line[np.append(True, np.any(line[1:] != line[:-1], axis=1))] for line in lines]
    return [line for line in lines if len(line) >= 2]


def class_boundary(scores, classes, xs, ys) -> list[np.ndarray]:
    """Polylines (N x 2 float64 [x, y]) where the winning class changes.

    scores k x R*R (f is taken in their dtype, then float64), classes (R*R,)
    integer winners of those scores, xs (R,) and ys (R,) the grid's axes
    (node i * R + j at (xs[j], ys[i])).  Open polylines run to the view's
    edge or to a triple point; closed ones end with their first vertex."""
    layout = _layout(xs.shape[0])
    classes = np.asarray(classes).reshape(-1)
    changes = _changes(classes, layout)
    crossings = _crossings(scores, classes, changes, layout,
                           _node_points(np.ascontiguousarray(xs, dtype=np.float64).tobytes(),
                                        np.ascontiguousarray(ys, dtype=np.float64).tobytes()))
    n = crossings.edge.size
    if n == 0:
        return []
    successor, crowded = _successors(crossings, changes, layout)
    vertices, steps = crossings.points, []
    if crowded.size:
        index, leaves, centres = _crowded_squares(crowded, crossings, successor, changes,
                                                  layout, scores, classes)
        vertices = np.hstack([vertices, centres])
    # paths start at the crossings that nothing runs into: open ends, and the
    # first steps out of triple points
    entered = np.zeros(n + 1, dtype=bool)
    entered[successor] = True                             # -1 marks the spare last slot
    open_ends = np.flatnonzero(~entered[:n]).tolist()
    successor = successor.tolist() + [-1] * (vertices.shape[1] - n)   # triple points end paths
    if crowded.size:
        steps = _link_triple_points(index, leaves, successor, n)
        stepped = {crossing for _, crossing in steps}
        open_ends = [v for v in open_ends if v not in stepped]
    order, stops = _chains(successor, steps + [[v] for v in open_ends], n)
    return _polylines(order, stops, vertices, crossings.on_node)
