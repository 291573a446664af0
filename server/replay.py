"""A session's past epochs: kept as training goes, shown again, trained on from.

Each session carries a timeline (engine/timeline.py) in its stored bytes
(session_blob.py), so any worker can replay any session.  Training records
each epoch as it ends, the run's state before its first step included; a
change of points, network or seed starts a new timeline (its checkpoints
would not fit the new run), while a weight set by hand, an inspector step
or new training settings keep it (the older epochs are then as they were).
The bound is the operator's: REPLAY_CHECKPOINTS and REPLAY_KB a session,
thinned by engine.timeline.keep_epochs; a network whose one checkpoint is
larger than REPLAY_KB (before compression) keeps none, and ``info`` says so.

The session is saved every frame, timeline included: memory-store saves
only join bytes already encoded, and a Redis save carries up to REPLAY_KB
more.  Recording costs one compressed copy of the weights and the
optimiser's state per epoch.
"""
from __future__ import annotations

import time

from engine.timeline import Timeline, at_epoch_end, steps_to_epoch_end

from .config import Config
from .errors import ApiError
from .session_blob import Session


def bounds(config: Config) -> tuple[int, int]:
    """(most checkpoints, most bytes) a session's timeline keeps."""
    return config.replay_checkpoints, config.replay_kb * 1024


def begin(session: Session, config: Config) -> None:
    """A new timeline for a new run (created, reset, new network or points),
    starting with its current state when that is an epoch's end."""
    session.timeline = Timeline()
    record(session, config)


def record(session: Session, config: Config) -> None:
    """Keep the run's state if it is at an epoch's end."""
    if at_epoch_end(session.run):
        session.timeline.record(session.run, *bounds(config))


def train(session: Session, config: Config, steps: int | None, epochs: int | None, deadline: float) -> int:
    """run.train_steps(steps, deadline) or run.train_epochs(epochs, deadline),
    recording each epoch as it ends; the steps done.  The steps are the same
    (training is cut at epoch ends, and stops where one call would)."""
    run, done = session.run, 0
    goal = None if epochs is None else run.epoch + epochs
    while (goal is None and done < steps) or (goal is not None and run.epoch < goal):
        if goal is None:
            chunk = min(steps - done, steps_to_epoch_end(run))
            n = run.train_steps(chunk, deadline)
        else:
            chunk = None
            n = run.train_epochs(1, deadline)
        done += n
        if n and at_epoch_end(run):
            record(session, config)
        if n == 0 or run.state == "diverged" or (chunk is not None and n < chunk) \
                or time.perf_counter() >= deadline:
            break
    return done


def info(session: Session, config: Config) -> dict:
    """The kept epochs and the bound (GET /api/sessions/{id}/replay)."""
    timeline = session.timeline
    max_count, max_bytes = bounds(config)
    return {"epochs": timeline.epochs, "bytes": timeline.nbytes, "max_checkpoints": max_count,
            "max_bytes": max_bytes, "refused": timeline.refused}


def _restored(session: Session, epoch: int):
    if epoch not in session.timeline.epochs:
        kept = session.timeline.epochs
        which = f"kept: {', '.join(map(str, kept[:12]))}{' …' if len(kept) > 12 else ''}" if kept else "none are kept"
        raise ApiError(400, "out_of_range", f"epoch: epoch {epoch} is not kept for this session ({which}; "
                       "GET /api/sessions/{id}/replay lists them)", "epoch")
    return session.timeline.restore(epoch, session.run)


def at(session: Session, epoch: int) -> Session:
    """The session as it was at ``epoch`` (a copy: the stored one is untouched)."""
    return Session(_restored(session, epoch), session.data, session.revision, session.extent, session.timeline)


def branch(session: Session, epoch: int) -> None:
    """The session becomes its run continued from ``epoch``: that epoch's
    exact state, the history and the timeline cut there."""
    session.run = _restored(session, epoch)
    session.timeline.cut(epoch)
