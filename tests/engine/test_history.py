"""A run's history: a long one is thinned to a stride, keeping the best and
the last epoch."""
from engine.history import HISTORY_KEYS, METRIC_KEYS, thin_history


def test_the_keys():
    assert HISTORY_KEYS == ("epoch", *METRIC_KEYS) and "val_loss" in METRIC_KEYS


def test_thin_history_keeps_a_stride_the_best_and_the_last_epoch():
    epochs = list(range(1, 2002))
    val = [1.0 + abs(e - 777) / 1000 for e in epochs]            # lowest at epoch 777
    history = {"epoch": epochs, "train_loss": [e / 10 for e in epochs], "train_acc": [0.5] * 2001,
               "val_loss": val, "val_acc": [None] * 2001}
    thinned = thin_history(history)
    # 1,000 even epochs are at most 2,000 // 2; then the best (777) and the last (2001)
    assert thinned["epoch"] == sorted(list(range(2, 2001, 2)) + [777, 2001])
    assert thinned["val_loss"][thinned["epoch"].index(777)] == 1.0
    assert thinned["train_loss"] == [e / 10 for e in thinned["epoch"]]
    assert thin_history({k: v[:2000] for k, v in history.items()})["epoch"] == epochs[:2000]


def test_no_validation_set_keeps_the_stride_and_the_last():
    history = {"epoch": list(range(1, 10)), "train_loss": [1.0] * 9, "train_acc": [1.0] * 9,
               "val_loss": [None] * 9, "val_acc": [None] * 9}
    assert thin_history(history, limit=8)["epoch"] == [2, 4, 6, 8, 9]
