"""The live socket: authenticate, attach to the hub, answer clock probes until the screen goes."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from starlette.websockets import WebSocket, WebSocketDisconnect

from app import presence, settings
from app.auth import SESSION_KEY, current_viewer
from app.db import now_ms
from app.numbers import whole
from app.routes import socket
from app.screens import Renderer, audience, watches
from app.security import origin_allowed
from app.wiring import CLOSE_POLICY, owner_of
from app.wsproto import send_now_of
from live import Connection, Hub, planner
from live.planner import Step

# The look's and the catch-up's own threads, as a hop through anyio's (its limiter, cancel scope and queue)
# costs twice a plain executor's and a reconnect storm makes one per screen. Neither needs a context
# variable (a render sets its language itself).
_LOOKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kraftsamla-look")

CLOSE_TRY_LATER = 1013
CLOSE_TOO_BIG = 1009
CLOSE_UNSUPPORTED = 1003
MESSAGE_MAX = 64 * 1024


async def live(websocket: WebSocket) -> None:
    """Stream a screen's fragments; the screen may send clock probes."""
    headers = websocket.headers
    if "origin" in headers and not origin_allowed(websocket.scope):
        await refuse(websocket, CLOSE_POLICY)
        return
    hub: Hub = websocket.app.state.hub
    renderer: Renderer = websocket.app.state.renderer
    token = websocket.session.get(SESSION_KEY)
    since = _since(websocket.query_params.get("since"))
    # Counted before the look, so that the attach can tell whether a frame went out in between.
    renders = hub.render_count()
    looked = None
    if isinstance(token, str):
        loop = asyncio.get_running_loop()
        looked = await loop.run_in_executor(_LOOKS, renderer.viewer_and_seq, token, since)
    if looked is None or looked[0].slug != websocket.path_params["slug"]:
        await refuse(websocket, CLOSE_POLICY)
        return
    viewer, seq = looked
    aud = audience(viewer.role, viewer.team_id, viewer.lang, viewer.person_id).key
    conn = Connection(
        websocket.send_text,
        max_messages=settings.LIVE_QUEUE_MESSAGES,
        max_bytes=settings.LIVE_QUEUE_BYTES,
        owner=owner_of(viewer.person_id),
        catching_up=True,
        send_now=send_now_of(websocket.scope),
    )
    if not hub.attach(viewer.race_id, aud, conn, settings.LIVE_MAX_SOCKETS_PER_PERSON):
        await refuse(websocket, CLOSE_TRY_LATER)  # too many screens open for one person
        return
    try:
        quiet = hub.quiet_since(viewer.race_id, renders)
        caught = await _bring_up_to_date(websocket, renderer, aud, conn, viewer.race_id, since, seq, quiet)
        if caught is None:
            await refuse(websocket, CLOSE_POLICY)
            return
        presence.attach(hub, viewer.race_id, viewer.person_id, conn)
        try:
            await websocket.accept()
            _start(hub, aud, conn, viewer.race_id, caught)
            del caught  # the queue holds the frames until sent; this coroutine lives as long as the socket
            await _stream(websocket, conn)
        finally:
            presence.detach(hub, viewer.race_id, viewer.person_id, conn)
    finally:
        hub.detach(viewer.race_id, aud, conn)


async def refuse(websocket: WebSocket, code: int) -> None:
    """Refuse a socket with a close code its page can act on (1008: sign in again; 1013: retry later).

    Closed before its handshake, uvicorn answers HTTP 403 instead, which a browser reports as a plain
    1006: the page would retry forever rather than go back to the join form.
    """
    await websocket.accept()
    await websocket.close(code)


# (seq, frames to queue first), or (seq, None) when the hub's memory already queued them.
Caught = tuple[int, list[tuple[int, str]] | None]


async def _bring_up_to_date(
    websocket: WebSocket,
    renderer: Renderer,
    aud: str,
    conn: Connection,
    race_id: int,
    since: int | None,
    seq: int | None,
    quiet: bool,
) -> Caught | None:
    """Carry out the plan (live/planner.py) that brings an attached socket up to date; None: signed out, or
    no longer of this audience (moved to another team)."""
    loop = asyncio.get_running_loop()
    hub: Hub = websocket.app.state.hub
    while True:
        in_memory = since is not None and hub.holds(race_id, aud, since)
        plan = planner.plan(planner.Arrival(since, seq, quiet, in_memory), settings.LIVE_REPLAY_MAX_EVENTS)
        if plan.step is Step.UP_TO_DATE:
            assert seq is not None
            return seq, []
        if plan.step is Step.REPLAY_FROM_MEMORY:
            assert since is not None
            hub.replay(race_id, aud, conn, since)
            if plan.check_session and not watches(await current_viewer(websocket), aud):
                return None
            return conn.last_seq, None
        if plan.step is Step.RENDER_GAP:
            assert since is not None and seq is not None
            # Screens of an audience come back together after a restart: the first renders, the rest find it.
            gap = renderer.rendered_gap(race_id, aud, since, seq)
            if gap is None:
                gap = await loop.run_in_executor(_LOOKS, renderer.render_gap, race_id, aud, since, seq)
            if gap is not None:
                return seq, gap
            quiet = (
                False  # the race moved past the look's seq: plan again as for a screen that read too early
            )
            continue
        token = websocket.session.get(SESSION_KEY)
        if not isinstance(token, str):
            return None
        return await loop.run_in_executor(_LOOKS, renderer.gap_or_snapshot, race_id, aud, since, token)


def _start(hub: Hub, aud: str, conn: Connection, race_id: int, caught: Caught) -> None:
    """Queue what brings the screen up to date (unless the hub's memory did), then say it is caught up."""
    seq, frames = caught
    if frames is not None:
        conn.catch_up(seq, frames)
        hub.caught_up(race_id, seq, aud)
    # The screen is caught up once it has read this far: it may call itself live.
    conn.offer_control(json.dumps({"type": "synced", "seq": conn.last_seq}))


async def _stream(websocket: WebSocket, conn: Connection) -> None:
    """Write the socket's queue and read its probes until either side ends."""
    # One task more per socket, not a task group, whose scopes, handle and event cost memory per socket.
    reader = asyncio.get_running_loop().create_task(_read(websocket, conn))
    # The screen went away (or sent what no screen of ours sends): the writer stops. A send under way
    # fails at once, as the socket is gone, or within the send timeout.
    reader.add_done_callback(lambda _: conn.close())
    try:
        code = await conn.run_writer(settings.LIVE_SEND_TIMEOUT_S)
        if code is not None:
            await websocket.close(code)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the screen went away mid-send; the reader sees it too
    finally:
        if not reader.done():
            reader.cancel()
            # Until it has ended: it must not outlive the socket's handler (nor the server, at shutdown).
            await asyncio.wait({reader})
    if not reader.cancelled():
        reader.result()  # what the reader raised is raised here, as it was when it ran in this task


def _since(value: str | None) -> int | None:
    try:
        return whole(value) if value is not None else None
    except ValueError:
        return None


async def _read(websocket: WebSocket, conn: Connection) -> None:
    """Answer clock probes until the screen disconnects; close on what no screen of ours sends."""
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                await websocket.close(CLOSE_UNSUPPORTED)  # binary frames: not ours
                return
            if len(text) > MESSAGE_MAX:
                await websocket.close(CLOSE_TOO_BIG)
                return
            try:
                probe = json.loads(text)
            except (ValueError, RecursionError):
                continue
            if isinstance(probe, dict) and probe.get("type") == "time":
                client = probe.get("client")
                if isinstance(client, int | float) and not isinstance(client, bool):
                    conn.offer_control(json.dumps({"type": "time", "client": client, "server": now_ms()}))
    except (WebSocketDisconnect, RuntimeError):
        return


ROUTES = [
    socket("/r/{slug}/live", live, "live"),
]
