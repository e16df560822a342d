"""The live socket: authenticate, attach to the hub, answer clock probes until the screen goes."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from starlette.websockets import WebSocket, WebSocketDisconnect

from app import presence, settings
from app.auth import SESSION_KEY, current_viewer, database
from app.db import now_ms
from app.numbers import whole
from app.routes import socket
from app.screens import audience, catch_up, catch_up_to, first_look, known_catch_up, watches
from app.security import origin_allowed
from app.wsproto import send_now_of
from live import Connection, Hub

# The first look's and the catch-up's own threads. A reconnect storm makes 1,000 looks at once, and (after
# posting, when most screens are behind) as many catch-ups; a hop through anyio's worker threads
# (run_in_threadpool: its limiter, cancel scope and queue) costs about twice a plain executor's: 90-140
# against 35-45 us of CPU here. Neither needs a context variable (a render sets its language itself).
_LOOKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kraftsamla-look")

CLOSE_POLICY = 1008
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
    token = websocket.session.get(SESSION_KEY)
    since = _since(websocket.query_params.get("since"))
    # Taken before the first look, so that the attach can tell whether a frame went out in between.
    stamp = hub.stamp()
    looked = None
    if isinstance(token, str):
        loop = asyncio.get_running_loop()
        looked = await loop.run_in_executor(_LOOKS, first_look, database(websocket), token, since)
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
        caught = None
        if hub.quiet_since(viewer.race_id, stamp):
            caught = _without_reading(websocket, hub, aud, conn, viewer.race_id, since, seq)
            if caught is None and since is not None and seq is not None and _replayable(since, seq):
                # After a restart most screens come back behind the race, and the hub holds nothing yet.
                loop = asyncio.get_running_loop()
                db = database(websocket)
                gap = await loop.run_in_executor(_LOOKS, catch_up_to, db, viewer.race_id, aud, since, seq)
                caught = None if gap is None else (seq, gap)
        if caught is None:
            caught = await _look_again(websocket, hub, aud, conn, viewer.race_id, since)
            if caught is None:
                await refuse(websocket, CLOSE_POLICY)
                return
        presence.attach(hub, viewer.race_id, viewer.person_id, conn)
        try:
            await websocket.accept()
            _prime(hub, aud, conn, viewer.race_id, caught)
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


def _without_reading(
    websocket: WebSocket,
    hub: Hub,
    aud: str,
    conn: Connection,
    race_id: int,
    since: int | None,
    seq: int | None,
) -> tuple[int, list[tuple[int, str]] | None] | None:
    """Bring a screen up to date from its first look alone, when that can tell; else return None.

    Called when nothing of the race was rendered between the first look and the attach: every sign-out
    after the look and every change after its seq reach this socket then. A screen that missed nothing
    needs nothing more (a reconnect storm is mostly these: one read each); one that missed what the hub
    still holds gets it from memory; one whose gap another screen of its audience rendered lately (after a
    restart, when screens come back behind), or that missed nothing it shows, gets that. A new screen (a
    snapshot) and other gaps are read after the attach: a gap behind `seq` needs no second check of the
    session (`catch_up_to`), a snapshot does (`_look_again`).
    """
    if since is None or seq is None:
        return None
    if since == seq:
        return seq, []
    if hub.resume(race_id, aud, conn, since):
        return conn.last_seq, None
    if _replayable(since, seq):
        known = known_catch_up(database(websocket), race_id, aud, since, seq)
        if known is not None:
            return seq, known
    return None


def _replayable(since: int, seq: int) -> bool:
    """Return True for a gap a catch-up replays (an older one, or one from the future, gets a snapshot)."""
    return 0 < seq - since <= settings.LIVE_REPLAY_MAX_EVENTS


async def _look_again(
    websocket: WebSocket, hub: Hub, aud: str, conn: Connection, race_id: int, since: int | None
) -> tuple[int, list[tuple[int, str]] | None] | None:
    """Check the sign-in again now that the socket is attached, and find what brings it up to date.

    A sign-out or a move to another team committed between the first look and the attach may have been
    rendered before this socket was there to be closed by it; every later one closes it. The check shares
    the catch-up's read when there is one. Return None when the session has ended or no longer watches this
    audience, or (seq, frames), where frames is None when the hub's memory already primed the socket.
    """
    if since is not None and hub.resume(race_id, aud, conn, since):
        return (conn.last_seq, None) if watches(await current_viewer(websocket), aud) else None
    token = websocket.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    # The looks' executor, not anyio's threads: after a restart most screens come this way (see _LOOKS).
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_LOOKS, catch_up, database(websocket), race_id, aud, since, token)


def _prime(
    hub: Hub, aud: str, conn: Connection, race_id: int, caught: tuple[int, list[tuple[int, str]] | None]
) -> None:
    """Queue what brings the screen up to date (unless the hub's memory did), then say it is caught up."""
    seq, frames = caught
    if frames is not None:
        conn.prime(seq, frames)
        hub.synced(race_id, seq, aud)
    # The screen is caught up once it has read this far: it may call itself live.
    conn.offer_control(json.dumps({"type": "synced", "seq": conn.last_seq}))


async def _stream(websocket: WebSocket, conn: Connection) -> None:
    """Write the socket's queue and read its probes until either side ends."""
    # One task more per socket, not a task group (its scopes, handle and event cost 2-3 KB a socket).
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


def owner_of(person_id: int) -> str:
    """Return the hub's owner tag for a person's sockets."""
    return f"person:{person_id}"


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
