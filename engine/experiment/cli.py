"""``python -m engine.experiment``: the homework's part-6 experiments from a shell.

Examples (run where the course's data files are, or give --data-dir):

    python -m engine.experiment 2 --hidden 2 --epochs 200 --trials 20
    python -m engine.experiment --train data2_train.csv --validate data2_validate.csv --hidden "" 5 100,10
    python -m engine.experiment moons --hidden 8,8 --epochs 50
    python -m engine.experiment --question 6.1          # or 6.3 6.4 6.5 6.6 6.7 all

DATA is a built-in dataset name, a file in the homework's format, or a homework
data name ("1", "2", "3class", ...) looked up in --data-dir as
data{NAME}_train.csv with data{NAME}_validate.csv when there is one.
Tip: on a busy machine, OPENBLAS_NUM_THREADS=1 makes small networks faster.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

from engine import datasets
from engine.datafile import DataFileError
from engine.experiment.harness import HOMEWORK_BATCH_SIZE, run_experiment
from engine.network import INITS
from engine.optim import OptimizerSpec

DEFAULT_DATA_DIR = Path(".")   # the course's files are not ours to ship: look where the user is
HOMEWORK_POINTS = [[-1, 0], [1, 0], [0, -1], [0, 1], [-1, -1], [-1, 1], [1, 1], [1, -1]]

# Part 6 of the homework: (data name, hidden layers, epochs, trials, split, points).
QUESTIONS = {
    "6.1": ("2", [(2,)], 200, 20, 0.25, None,
            "one hidden layer of 2 units, 20 trials: min and max validation accuracy"),
    "6.3": ("2", [(5,), (10,), (20,), (100,)], 200, 5, 0.25, None,
            "one hidden layer of 5, 10, 20, 100 units: mean validation accuracy"),
    "6.4": ("2", [()], 200, 5, 0.25, None, "no hidden layer: mean validation accuracy"),
    "6.5": ("2", [(100, 100)], 300, 5, 0.25, None,
            "two hidden layers of 100: epoch of minimum validation loss"),
    "6.6": ("3class", [(), (100,), (100, 10)], 500, 1, 0.5, None,
            "3class, split 0.5: validation accuracy of (), (100), (100, 10)"),
    "6.7": ("3class", [(100, 10)], 300, 1, 0.5, HOMEWORK_POINTS,
            "3class (100, 10), 300 epochs: predicted classes of the 8 points"),
}


def parse_hidden(text: str) -> tuple[int, ...]:
    """"" / "()" / "none" -> (); "100,10" or "(100, 10)" -> (100, 10)."""
    text = text.strip().strip("()[]").strip()
    if text.lower() in ("", "none"):
        return ()
    try:
        sizes = tuple(int(part) for part in text.replace(" ", "").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError(f"hidden layers are sizes like 100,10, not {text!r}")
    if any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError("hidden layer sizes must be >= 1")
    return sizes


def parse_points(text: str) -> list[list[float]]:
    try:
        points = json.loads(text)
        assert all(len(p) == 2 and all(isinstance(v, (int, float)) for v in p) for p in points)
    except (ValueError, TypeError, AssertionError):
        raise argparse.ArgumentTypeError('points look like "[[-1, 0], [1, 0]]"')
    return points


def resolve_data(data: str | None, train: str | None, validate: str | None,
                 data_dir: Path) -> tuple[object, object, str]:
    """-> (data, validation, description) for run_experiment."""
    if train:
        return train, validate, f"{train}" + (f" + {validate}" if validate else "")
    if data is None:
        raise ValueError("give DATA (a dataset name, a file or a homework data name) or --train")
    if data in datasets.DATASETS or os.path.isfile(data):
        return data, validate, data + (f" + {validate}" if validate else "")
    train_path = data_dir.resolve() / f"data{data}_train.csv"
    if not train_path.is_file():
        raise ValueError(f"{data!r} is neither a built-in dataset ({', '.join(datasets.DATASETS)}), "
                         f"a file, nor found as {train_path}")
    val_path = data_dir / f"data{data}_validate.csv"
    if validate is None and val_path.is_file():
        validate = str(val_path)
    return str(train_path), validate, train_path.name + (f" + {Path(validate).name}" if validate else "")


class Progress:
    """Progress on stderr: a rewritten line on a terminal, else a line every few seconds."""

    def __init__(self, label: str, stream=sys.stderr, every: float = 5.0):
        self.label, self.stream = label, stream
        self.tty = stream.isatty()
        self.every = 0.0 if self.tty else every
        self.start = self.last = time.perf_counter()

    def __call__(self, p: dict) -> None:
        now = time.perf_counter()
        finished = p["steps_done"] == p["steps_total"]
        if not finished and now - self.last < self.every:
            return
        self.last = now
        elapsed = now - self.start
        left = elapsed / p["fraction"] * (1 - p["fraction"]) if p["fraction"] else math.nan
        line = (f"{self.label}: trial {min(p['trials_done'] + 1, p['trials'])}/{p['trials']}, "
                f"epoch {p['epoch']}/{p['epochs']}, {100 * p['fraction']:.0f}% "
                f"({elapsed:.0f} s, ~{left:.0f} s left)")
        if self.tty:
            self.stream.write("\r" + line.ljust(78) + ("\n" if finished else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _fmt(value, digits=4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _arch(hidden) -> str:
    return "(" + ", ".join(str(h) for h in hidden) + ")" if hidden else "()"


def format_table(results: list[dict]) -> str:
    """One row per architecture: accuracies over trials and the min-val-loss epochs."""
    lines = [f"{'':26}{'final val acc':^24}  {'epoch-mean val acc':^24}",
             f"{'hidden':<12}{'trials':>7}{'epochs':>7}"
             f"{'min':>8}{'max':>8}{'mean':>8}  {'min':>8}{'max':>8}{'mean':>8}"
             f"   min-val-loss epoch per trial (0-based)"]
    lines.append("-" * len(lines[1]))
    for r in results:
        s = r["summary"]
        f, m = s["final_val_acc"] or {}, s["mean_val_acc"] or {}
        epochs = ",".join(str(t["min_val_loss_epoch"]) for t in r["trials"][:10])
        if len(r["trials"]) > 10:
            epochs += ",..."
        lines.append(f"{_arch(r['hidden']):<12}{len(r['trials']):>7}{r['epochs']:>7}"
                     + "".join(f"{_fmt(f.get(k)):>8}" for k in ("min", "max", "mean")) + "  "
                     + "".join(f"{_fmt(m.get(k)):>8}" for k in ("min", "max", "mean"))
                     + f"   {epochs}")
    return "\n".join(lines)


def answer(question: str, results: list[dict]) -> list[str]:
    """The homework question's numbers, in words."""
    out = []
    if question == "6.1":
        f, m = results[0]["summary"]["final_val_acc"], results[0]["summary"]["mean_val_acc"]
        out.append(f"6.1  final validation accuracy over {len(results[0]['trials'])} trials: "
                   f"min {f['min']:.4f}, max {f['max']:.4f}")
        out.append(f"     epoch-mean validation accuracy (what the homework's harness prints): "
                   f"min {m['min']:.4f}, max {m['max']:.4f}")
    elif question in ("6.3", "6.4", "6.6"):
        for r in results:
            s = r["summary"]
            out.append(f"{question}  {_arch(r['hidden']):<10} mean final val acc "
                       f"{s['final_val_acc']['mean']:.4f}; epoch-mean val acc (homework's print) "
                       f"{s['mean_val_acc']['mean']:.4f}")
    elif question == "6.5":
        s = results[0]["summary"]
        epochs = [t["min_val_loss_epoch"] for t in results[0]["trials"]]
        counts = [t["min_val_loss_epoch_1based"] for t in results[0]["trials"]]
        out.append(f"6.5  epoch of minimum validation loss, counted from 0 as the homework's plots: "
                   f"per trial {epochs}, of the trial-averaged curve "
                   f"{s['mean_curve_min_val_loss_epoch']} (1-based: {counts}, "
                   f"{s['mean_curve_min_val_loss_epoch_1based']})")
    elif question == "6.7":
        for t in results[0]["trials"]:
            out.append(f"6.7  predictions for {HOMEWORK_POINTS}: {t['predictions']}")
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m engine.experiment", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("data", nargs="?", help="dataset name, data file, or homework data name")
    p.add_argument("--train", help="training data file (homework format)")
    p.add_argument("--validate", help="validation data file; without one, --split is held out")
    p.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR,
                   help="where homework data names and --question find their files "
                        "(default: the current folder)")
    p.add_argument("--hidden", type=parse_hidden, nargs="+", default=[(2,)], metavar="SIZES",
                   help='hidden layers per architecture: "" (none), 10, 100,10 ... (default: 2)')
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--split", type=float, default=0.25,
                   help="share held out for validation when there is no validation file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=HOMEWORK_BATCH_SIZE)
    p.add_argument("--lr", type=float, default=1e-3, help="Adam's rate (default: PyTorch's 0.001)")
    p.add_argument("--init", choices=list(INITS), default="pytorch",
                   help="initial weights: PyTorch's default, as the course's harness "
                        "(default), or the homework's N(0, 1/m) with zero biases")
    p.add_argument("--n", type=int, default=400, help="points drawn for a built-in dataset")
    p.add_argument("--noise", type=float, help="noise for a built-in dataset (default: its own)")
    p.add_argument("--points", type=parse_points, help='predict classes of "[[x1, x2], ...]"')
    p.add_argument("--question", choices=[*QUESTIONS, "all"],
                   help="run the preset for a homework part-6 question")
    p.add_argument("--json", type=Path, help="also write every result (histories too) here")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def _experiments(args) -> list[tuple[str | None, dict]]:
    """[(question or None, keyword arguments for one table)]."""
    if args.question is None:
        return [(None, dict(data_name=args.data, hidden=args.hidden, epochs=args.epochs,
                            trials=args.trials, split=args.split, points=args.points))]
    names = list(QUESTIONS) if args.question == "all" else [args.question]
    return [(q, dict(data_name=QUESTIONS[q][0], hidden=QUESTIONS[q][1], epochs=QUESTIONS[q][2],
                     trials=QUESTIONS[q][3], split=QUESTIONS[q][4], points=QUESTIONS[q][5]))
            for q in names]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    optimizer = OptimizerSpec.torch_adam(lr=args.lr)
    everything = []
    for question, job in _experiments(args):
        train = args.train if question is None else None
        validate = args.validate if question is None else None
        try:
            data, validation, described = resolve_data(job["data_name"], train, validate, args.data_dir)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if question:
            print(f"== {question}: {QUESTIONS[question][6]}")
        results = []
        for hidden in job["hidden"]:
            label = f"{question + ' ' if question else ''}{_arch(hidden)}"
            progress = None if args.quiet else Progress(label)
            start = time.perf_counter()
            try:
                r = run_experiment(data, hidden, job["epochs"], split=job["split"], trials=job["trials"],
                                   seed=args.seed, optimizer=optimizer, batch_size=args.batch_size,
                                   predict_points=job["points"], validation=validation,
                                   progress=progress, n=args.n, noise=args.noise, init=args.init)
            except (DataFileError, ValueError, OSError) as e:
                print(f"error: {e}", file=sys.stderr)
                return 2
            r["seconds"] = time.perf_counter() - start
            results.append(r)
        first = results[0]
        print(f"data: {described}: {first['n_train']} training, {first['n_val']} validation points, "
              f"{first['n_classes']} classes; Adam lr {args.lr:g}, batch {args.batch_size} in one "
              f"order, {first['init']} init, seed {args.seed}; "
              f"{sum(r['seconds'] for r in results):.1f} s")
        print(format_table(results))
        if job["points"] is not None and question is None:
            for r in results:
                for t in r["trials"]:
                    print(f"{_arch(r['hidden'])} trial {t['trial']} predictions: {t['predictions']}")
        for line in answer(question, results) if question else []:
            print(line)
        print()
        everything.append({"question": question, "data": described, "results": results})
    if args.json:
        args.json.write_text(json.dumps(everything))
    return 0
