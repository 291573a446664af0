"""The JSON API under /api, and /healthz.  Every view: validated input (the
route decorator) -> one call -> a dict."""
from __future__ import annotations

from flask import Blueprint, Response

from . import bodies, crease, datasource, downloads
from .responses import (DatafileInfo, Datasets, Frame, Health, ProbeResult, ReplayInfo, SessionCreated,
                        SessionInfo)
from .routing import route
from .schemas import (Advance, DataUpdate, ExportQuery, FrameRequest, NetworkUpdate,
                      PointsEdit, Probe, ProbeApply, ReplayAt, Reset, SessionCreate, SessionImport,
                      TrainingUpdate, WeightsUpdate)

health = Blueprint("health", __name__)
api = Blueprint("api", __name__, url_prefix="/api")

ON_SESSION = (400, 404, 409, 413, 503)   # errors any session route may answer
ID = "/sessions/<sid:sid>"


@route(health, "GET", "/healthz", summary="Whether the session store answers",
       answer=Health, answers={503: Health})
def healthz():
    store = crease().store
    if store.ping():
        return {"ok": True, "store": store.kind}
    return {"ok": False, "store": store.kind, "error": "store_unavailable",
            "message": "The session store is not answering."}, 503


@route(api, "GET", "/openapi.json", summary="This API's OpenAPI 3.1 document")
def openapi_document():
    return crease().openapi()


@route(api, "GET", "/datasets", summary="Built-in datasets and the server's limits", answer=Datasets)
def datasets():
    return datasource.datasets_info(crease().config.limits)


@route(api, "POST", "/datafile", summary="Read a data file (x1 x2 label per line)",
       answer=DatafileInfo, errors=(400, 413, 415), request_content=bodies.UPLOAD_CONTENT)
def datafile():
    return datasource.describe(bodies.read_upload(), crease().config.limits)


@route(api, "POST", "/sessions", summary="Create a session", body=SessionCreate,
       answer=SessionCreated, status=201, errors=(400, 413, 503))
def create_session(body: SessionCreate):
    sid, frame = crease().sessions.create(body)
    return {"session": sid, "frame": frame}, 201


@route(api, "POST", "/sessions/import", summary="Create a session from an export (format=json)",
       body=SessionImport, answer=SessionCreated, status=201, errors=(400, 413, 503))
def import_session(body: SessionImport):
    sid, frame = crease().sessions.import_(body)
    return {"session": sid, "frame": frame}, 201


@route(api, "GET", ID, summary="Settings and a frame with the points", answer=SessionInfo,
       errors=ON_SESSION)
def get_session(sid: str):
    return crease().sessions.info(sid)


@route(api, "DELETE", ID, summary="Delete a session", status=204, errors=ON_SESSION)
def delete_session(sid: str):
    crease().sessions.delete(sid)
    return Response(status=204)


@route(api, "POST", ID + "/advance", summary="Train some steps or epochs (time-bounded)",
       body=Advance, answer=Frame, errors=ON_SESSION)
def advance(sid: str, body: Advance):
    return crease().sessions.advance(sid, body)


@route(api, "POST", ID + "/frame", summary="A frame for another view, without training",
       body=FrameRequest, answer=Frame, errors=ON_SESSION)
def frame(sid: str, body: FrameRequest):
    return crease().sessions.frame(sid, body)


@route(api, "PATCH", ID + "/training", summary="Change hyperparameters; weights kept",
       body=TrainingUpdate, answer=Frame, errors=ON_SESSION)
def update_training(sid: str, body: TrainingUpdate):
    return crease().sessions.update_training(sid, body)


@route(api, "PUT", ID + "/network", summary="Change the architecture; re-initialises",
       body=NetworkUpdate, answer=Frame, errors=ON_SESSION)
def update_network(sid: str, body: NetworkUpdate):
    return crease().sessions.update_network(sid, body)


@route(api, "PUT", ID + "/data", summary="Change the data; re-initialises",
       body=DataUpdate, answer=Frame, errors=ON_SESSION)
def update_data(sid: str, body):
    return crease().sessions.update_data(sid, body)


@route(api, "POST", ID + "/reset", summary="Re-initialise from the seed", body=Reset,
       answer=Frame, errors=ON_SESSION)
def reset(sid: str, body: Reset):
    return crease().sessions.reset(sid, body)


@route(api, "PUT", ID + "/weights", summary="Set one weight or bias, or a whole layer",
       body=WeightsUpdate, answer=Frame, errors=ON_SESSION)
def set_weights(sid: str, body):
    return crease().sessions.set_weights(sid, body)


@route(api, "POST", ID + "/probe", summary="Forward (and with a target, backward) at one point",
       body=Probe, answer=ProbeResult, errors=ON_SESSION)
def probe(sid: str, body: Probe):
    return crease().sessions.probe(sid, body)


@route(api, "POST", ID + "/probe/apply", summary="Apply the probed SGD step to the weights",
       body=ProbeApply, answer=Frame, errors=ON_SESSION)
def apply_probe(sid: str, body: ProbeApply):
    return crease().sessions.apply_probe(sid, body)


@route(api, "POST", ID + "/points", summary="Add or remove data points; weights kept",
       body=PointsEdit, answer=Frame, errors=ON_SESSION)
def edit_points(sid: str, body: PointsEdit):
    return crease().sessions.edit_points(sid, body)


@route(api, "GET", ID + "/replay", summary="The past epochs kept to replay and branch from",
       answer=ReplayInfo, errors=ON_SESSION)
def replay_info(sid: str):
    return crease().sessions.replay_info(sid)


@route(api, "POST", ID + "/replay", summary="A frame of the network as it was at a kept epoch",
       body=ReplayAt, answer=Frame, errors=ON_SESSION)
def replay_frame(sid: str, body: ReplayAt):
    return crease().sessions.replay_frame(sid, body)


@route(api, "POST", ID + "/replay/continue", summary="Go on from a kept epoch's exact state",
       body=ReplayAt, answer=Frame, errors=ON_SESSION)
def replay_continue(sid: str, body: ReplayAt):
    return crease().sessions.replay_continue(sid, body)


@route(api, "GET", ID + "/export", summary="Download: json (importable), npz, python, pytorch, ipynb",
       query=ExportQuery, errors=ON_SESSION, answer_content=downloads.EXPORT_CONTENT)
def export(sid: str, query: ExportQuery):
    data, media_type, filename = crease().sessions.export(sid, query.format)
    return Response(data, mimetype=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

