"""A session's past epochs: kept as training goes, shown again, trained on from.

Each session carries a timeline (engine/timeline.py) in the store, so any
worker can replay any session: its index in the session's bytes
(session_blob.py), each epoch's checkpoint as a part of the session, written
once and read only by the request that replays or continues from it.  Training records
each epoch as it ends, the run's state before its first step included; a
change of points, network or seed starts a new timeline (its checkpoints
would not fit the new run), while a weight set by hand, an inspector step
or new training settings keep it (the older epochs are then as they were).
The bound is the operator's: REPLAY_CHECKPOINTS and REPLAY_KB a session
(on Redis within what the session leaves of SESSION_MAX_KB: ``bounds``),
thinned by engine.timeline.keep_epochs; a network whose one checkpoint is
larger than REPLAY_KB (before compression) keeps none, and ``info`` says so.

The session is saved every frame, the index with it (12 bytes an epoch); a
frame that ends an epoch also writes that checkpoint and deletes the ones
thinned.  Recording costs one compressed copy of the weights and the
optimiser's state per epoch (about 0.1 ms and 11 KB for bench.frame_cost's
2-100-10-3 SGD; the whole timeline added about 0.2 ms of server CPU to its
frame of an epoch, redis-server's included).  A checkpoint gone from the store (it should
go only with its session) is dropped from the index when asked for, and the
request is answered as for an epoch not kept.
"""
from __future__ import annotations

import time
from typing import Callable

from engine.timeline import at_epoch_end, steps_to_epoch_end

from .config import Config
from .errors import ApiError
from .session_blob import Session


def bounds(config: Config, session: Session | None = None) -> tuple[int, int]:
    """(most checkpoints, most bytes) a session's timeline keeps: REPLAY_CHECKPOINTS
    and REPLAY_KB, and on Redis, where a session's checkpoints count toward
    its SESSION_MAX_KB, only what ``session``'s bytes leave of that, an
    eighth of it spare for the history to grow (else training would be
    refused once the timeline filled the room)."""
    most = config.replay_kb * 1024
    if config.redis_url and session is not None:
        cap = config.session_max_kb * 1024
        most = min(most, max(0, cap - cap // 8 - (session.saved_size or len(session.to_bytes()))))
    return config.replay_checkpoints, most


def begin(session: Session, config: Config) -> None:
    """A new timeline for a new run (created, reset, new network or points),
    starting with its current state when that is an epoch's end."""
    session.timeline.clear()   # the old checkpoints are deleted with the next save
    session.saved_size = 0     # another run: its bytes are measured again (bounds)
    record(session, config)


def record(session: Session, config: Config) -> None:
    """Keep the run's state if it is at an epoch's end."""
    if at_epoch_end(session.run):
        session.timeline.record(session.run, *bounds(config, session))


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
    max_count, max_bytes = bounds(config, session)
    return {"epochs": timeline.epochs, "bytes": timeline.nbytes, "max_checkpoints": max_count,
            "max_bytes": max_bytes, "refused": timeline.refused}


Load = Callable[[str], bytes | None]   # a checkpoint by name from the store (Timeline.restore)


def not_kept(session: Session, epoch: int, why: str = "is not kept") -> ApiError:
    kept = session.timeline.epochs
    which = f"kept: {', '.join(map(str, kept[:12]))}{' …' if len(kept) > 12 else ''}" if kept else "none are kept"
    return ApiError(400, "out_of_range", f"epoch: epoch {epoch} {why} for this session ({which}; "
                    "GET /api/sessions/{id}/replay lists them)", "epoch")


def lost(session: Session, epoch: int) -> ApiError:
    """The answer when ``epoch``'s checkpoint was missing (see ``forget_lost``)."""
    return not_kept(session, epoch, "is no longer kept (its checkpoint left the store)")


def _restored(session: Session, epoch: int, load: Load):
    """The run at ``epoch``; engine.timeline.CheckpointMissing when the store lacks it."""
    if epoch not in session.timeline.epochs:
        raise not_kept(session, epoch)
    return session.timeline.restore(epoch, session.run, load)


def at(session: Session, epoch: int, load: Load) -> Session:
    """The session as it was at ``epoch`` (a copy: the stored one is untouched)."""
    return Session(_restored(session, epoch, load), session.data, session.revision, session.extent,
                   session.timeline)


def branch(session: Session, epoch: int, load: Load) -> None:
    """The session becomes its run continued from ``epoch``: that epoch's
    exact state, the history and the timeline cut there."""
    session.run = _restored(session, epoch, load)
    session.timeline.cut(epoch)


def forget_lost(session: Session, epoch: int, load: Load) -> None:
    """Take ``epoch`` off the index if its checkpoint is still missing (a
    request that read the index before a change may have asked for one
    deleted since: then the index no longer lists it anyway)."""
    if epoch in session.timeline.epochs and load(session.timeline.name(epoch)) is None:
        session.timeline.forget(epoch)
