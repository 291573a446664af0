"""Small experiments the harness, summary and cli tests share."""
from engine.experiment.harness import Experiment

POINTS = [[-1.0, 0.0], [1.0, 0.5], [0.0, -2.0]]


def small(data, **kw):
    """An Experiment of 3 trials of 4 epochs on ``data`` (prepare_data's tuple)."""
    args = dict(hidden=(3,), epochs=4, trials=3, seed=5, batch_size=8, predict_points=POINTS)
    args.update(kw)
    X_tr, y_tr, X_val, y_val, k = data
    return Experiment(X_tr, y_tr, X_val, y_val, n_classes=k, **args)
