import numpy as np
import pytest

from engine.datasets import DATASETS, NOISE_MAX, balanced_labels, generate, split

NAMES = list(DATASETS)


def rng(seed=0):
    return np.random.default_rng(seed)


def test_registry_names_are_the_documented_ones():
    assert NAMES == ["separable", "clusters", "quadrants", "three_clusters", "circle", "xor",
                     "gauss", "spiral", "moons", "spiral_k", "blobs_k"]
    for entry in DATASETS.values():
        lo, hi = entry.class_range
        assert lo <= entry.n_classes <= hi and 0 <= entry.default_noise <= NOISE_MAX


def test_every_dataset_has_its_own_display_name():
    titles = [entry.title for entry in DATASETS.values()]
    assert len(set(titles)) == len(titles) and all(t.strip() == t and t for t in titles)
    assert DATASETS["three_clusters"].title == "Three clusters"
    assert DATASETS["spiral_k"].title == "Spiral (k classes)"


@pytest.mark.parametrize("name", NAMES)
def test_every_generator_has_the_one_signature(name):
    entry = DATASETS[name]
    X, labels = entry.generator(30, entry.default_noise, rng())
    assert X.shape == (2, 30) and X.dtype == np.float64
    assert labels.shape == (30,) and labels.dtype == np.int64
    assert set(labels.tolist()) == set(range(entry.n_classes))


@pytest.mark.parametrize("n", [7, 400, 401])
@pytest.mark.parametrize("name", NAMES)
def test_classes_are_balanced_to_within_one_point(name, n):
    k = DATASETS[name].n_classes
    _, labels = generate(name, n, 0.1, rng())
    expected = [n // k + (c < n % k) for c in range(k)]
    assert np.bincount(labels, minlength=k).tolist() == expected


@pytest.mark.parametrize("k", range(2, 9))
@pytest.mark.parametrize("name", ["spiral_k", "blobs_k"])
def test_k_class_sets_take_two_to_eight_classes(name, k):
    _, labels = generate(name, 100, 0.2, rng(), n_classes=k)
    assert np.bincount(labels).tolist() == [100 // k + (c < 100 % k) for c in range(k)]


def test_balanced_labels_counts_and_shuffle():
    labels = balanced_labels(10, 3, rng(4))
    assert np.bincount(labels).tolist() == [4, 3, 3]
    assert labels.tolist() != sorted(labels.tolist())


@pytest.mark.parametrize("noise", [0.0, 0.3, NOISE_MAX])
@pytest.mark.parametrize("name", NAMES)
def test_coordinates_stay_in_the_documented_range(name, noise):
    X, _ = generate(name, 2000, noise, rng(1))
    bound = DATASETS[name].bound
    assert np.all(np.abs(X) <= bound)
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("name", NAMES)
def test_same_generator_state_gives_the_same_points(name):
    X1, y1 = generate(name, 50, 0.3, rng(7))
    X2, y2 = generate(name, 50, 0.3, rng(7))
    X3, _ = generate(name, 50, 0.3, rng(8))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_separable_at_zero_noise_is_split_by_the_x1_axis_with_margin():
    X, y = generate("separable", 500, 0.0, rng())
    np.testing.assert_array_equal(y, (X[1] > 0).astype(int))
    assert np.abs(X[1]).min() >= 0.5 and np.abs(X[1]).max() <= 3.5
    assert np.abs(X[0]).max() <= 4.0


def test_separable_with_noise_overlaps():
    X, y = generate("separable", 2000, 0.8, rng())
    assert 0 < np.sum(y != (X[1] > 0)) < 200


def test_circle_at_zero_noise_is_a_disc_inside_a_ring():
    X, y = generate("circle", 500, 0.0, rng())
    r = np.hypot(X[0], X[1])
    assert r[y == 1].max() <= 2.5 and r[y == 0].min() >= 3.5 and r.max() <= 5.0


def test_xor_at_zero_noise_is_the_sign_of_the_product():
    X, y = generate("xor", 500, 0.0, rng())
    np.testing.assert_array_equal(y, (X[0] * X[1] > 0).astype(int))
    assert np.abs(X).min() >= 0.3


def test_quadrants_put_class_one_where_the_signs_agree():
    X, y = generate("quadrants", 4000, 0.0, rng())  # spread 0.3 around (+-2, +-2)
    np.testing.assert_array_equal(y, (X[0] * X[1] > 0).astype(int))


@pytest.mark.parametrize("name, centres, spread", [
    ("gauss", [[-2, -2], [2, 2]], [[0.8, 0.8], [0.8, 0.8]]),               # noise 0.2
    ("clusters", [[-1, 0], [1, 0]], [[1.02, 1.326], [1.02, 1.326]]),         # noise 0.6
    ("three_clusters", [[-1, -1], [1, 1], [-1, 1]], [[0.96, 0.4], [0.48, 1.2], [0.64, 0.56]]),
])
def test_cluster_sets_have_the_documented_centres_and_spreads(name, centres, spread):
    X, y = generate(name, 30000, DATASETS[name].default_noise, rng(2))
    for c in range(len(centres)):
        np.testing.assert_allclose(X[:, y == c].mean(axis=1), centres[c], atol=0.05)
        np.testing.assert_allclose(X[:, y == c].std(axis=1), spread[c], rtol=0.05)


@pytest.mark.parametrize("k", [2, 3, 8])
def test_spiral_arms_at_zero_noise_follow_their_curve(k):
    X, y = generate("spiral_k", 300, 0.0, rng(), n_classes=k)
    t = np.hypot(X[0], X[1]) / 5.0
    angle = 3.5 * np.pi * t + 2 * np.pi * y / k
    np.testing.assert_allclose(X, 5.0 * t * np.stack([np.cos(angle), np.sin(angle)]), atol=1e-12)


def test_spiral_is_the_two_arm_spiral():
    X1, y1 = generate("spiral", 80, 0.1, rng(3))
    X2, y2 = generate("spiral_k", 80, 0.1, rng(3), n_classes=2)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_moons_at_zero_noise_lie_on_their_half_circles():
    X, y = generate("moons", 300, 0.0, rng())
    centres = np.where(y == 1, [[1.25], [0.625]], [[-1.25], [-0.625]])
    np.testing.assert_allclose(np.hypot(*(X - centres)), 2.5)
    assert np.all((X[1] >= centres[1] - 1e-12) == (y == 0))


def test_blobs_nearest_centre_is_the_label():
    k = 5
    X, y = generate("blobs_k", 500, 0.0, rng(), n_classes=k)
    angle = np.pi / 2 + 2 * np.pi * np.arange(k) / k
    centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)])
    dist = np.linalg.norm(X[:, :, None] - centres[:, None, :], axis=0)
    np.testing.assert_array_equal(dist.argmin(axis=1), y)


@pytest.mark.parametrize("args, message", [
    (("nope", 10, 0.1), "unknown dataset"),
    (("circle", 10, -0.1), "noise"),
    (("circle", 10, 1.5), "noise"),
    (("circle", 10, float("nan")), "noise"),
    (("circle", 1, 0.1), "at least one point per class"),
    (("blobs_k", 7, 0.1, 8), "at least one point per class"),
    (("circle", 10, 0.1, 3), "2..2 classes"),
    (("spiral_k", 10, 0.1, 1), "2..8 classes"),
    (("spiral_k", 10, 0.1, 9), "2..8 classes"),
])
def test_generate_rejects_bad_arguments(args, message):
    name, n, noise, *k = args
    with pytest.raises(ValueError, match=message):
        generate(name, n, noise, rng(), *k)


@pytest.mark.parametrize("n, share, n_val", [(10, 0.25, 3), (400, 0.25, 100), (10, 0.0, 0),
                                             (3, 0.99, 2), (1, 0.5, 0), (8, 0.5, 4)])
def test_split_holds_out_the_rounded_share(n, share, n_val):
    X = np.arange(2.0 * n).reshape(2, n)
    y = np.arange(n) % 2
    X_tr, y_tr, X_val, y_val = split(X, y, share, rng(5))
    assert X_val.shape == (2, n_val) and y_val.shape == (n_val,)
    assert X_tr.shape == (2, n - n_val) and y_tr.shape == (n - n_val,)
    together = np.concatenate([np.vstack([X_tr, y_tr]), np.vstack([X_val, y_val])], axis=1)
    original = np.vstack([X, y])
    np.testing.assert_array_equal(together[:, np.lexsort(together)], original[:, np.lexsort(original)])


def test_split_is_deterministic_and_shuffles():
    X, y = generate("moons", 40, 0.1, rng())
    a = split(X, y, 0.25, rng(9))
    b = split(X, y, 0.25, rng(9))
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], X[:, :30])


@pytest.mark.parametrize("share", [-0.1, 1.0, 1.5, float("nan")])
def test_split_rejects_bad_shares(share):
    X, y = generate("moons", 10, 0.1, rng())
    with pytest.raises(ValueError, match="val_share"):
        split(X, y, share, rng())
