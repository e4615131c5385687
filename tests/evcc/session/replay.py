"""A SECC that answers with the responses of a recorded real session (shared vectors)."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evcc import exi, v2gtp
from evcc.session.core import SessionCore
from evcc.session.events import Ended, SessionEvent

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
SESSIONS = SHARED / "vectors" / "josev_sessions.jsonl"


def recorded(log: str) -> list[dict[str, str]]:
    if not SESSIONS.is_file():
        pytest.skip(f"recorded sessions not found at {SESSIONS}")
    return [r for r in _rows() if r["log"] == log and r["kind"] == "message"]


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    return tuple(json.loads(line) for line in SESSIONS.read_text().splitlines() if line.strip())


class ReplaySecc:
    """Answers each request with the next recorded response of the matching name."""

    def __init__(self, log: str, grammar: str,
                 edits: dict[str, Callable[[int, Any], None]] | None = None) -> None:
        self.grammar = grammar
        self.edits = edits or {}
        self.responses: dict[str, list[bytes]] = defaultdict(list)
        self.recorded_requests: list[str] = []
        for row in recorded(log):
            name = row["name"]
            if row["dir"] == "decoded_by_this_side":
                self.responses[name].append(bytes.fromhex(row["exi"]))
            else:
                self.recorded_requests.append(name)
        self.used: dict[str, int] = defaultdict(int)
        self.stop_kinds: list[str] = []
        self.first_session_id: bytes | None = None
        self.requests: list[str] = []
        self._stream = v2gtp.StreamBuffer()

    def answer(self, data: bytes) -> bytes:
        out = b""
        for frame in self._stream.feed(data):
            name = self._name(frame.payload)
            self.requests.append(name)
            res_name = "supportedAppProtocolRes" if name == "supportedAppProtocolReq" \
                else name[:-3] + "Res"
            answers = self.responses[res_name]
            index = min(self.used[res_name], len(answers) - 1)
            answer = answers[index]
            edit = self.edits.get(res_name)
            if edit is not None:
                message = exi.decode(answer, self.grammar)
                edit(self.used[res_name], message)
                answer = exi.encode(message, self.grammar)
            self.used[res_name] += 1
            out += v2gtp.frame(v2gtp.PayloadType.EXI, answer)
        return out

    def _name(self, payload: bytes) -> str:
        if not self.requests:
            exi.decode(payload, "app")
            return "supportedAppProtocolReq"
        message = exi.decode(payload, self.grammar)
        if self.first_session_id is None:
            self.first_session_id = message.header.session_id
        kind = getattr(message.body.body_element, "charging_session", None)
        if kind is not None:
            self.stop_kinds.append(kind.value)
        body = type(message.body.body_element).__name__.removesuffix("Type")
        return {"SessionStop": "SessionStopReq"}.get(body, body)


def run(core: SessionCore, secc: ReplaySecc, step: float = 0.05,
        limit: float = 600.0) -> list[SessionEvent]:
    """Drive the core against the replay SECC on a fake clock until it ends."""
    events: list[SessionEvent] = []
    now = 0.0
    core.start(now)
    while core.ended is None and now < limit:
        out = b"".join(core.bytes_to_send())
        if out:
            now += step
            core.receive(secc.answer(out), now)
        else:
            deadline = core.timer()
            assert deadline is not None, "core neither sends nor waits"
            now = max(now, deadline)
            core.handle_timer(now)
        while (event := core.next_event()) is not None:
            events.append(event)
    while (event := core.next_event()) is not None:
        events.append(event)
    assert isinstance(events[-1], Ended)
    return events


def last(events: list[SessionEvent]) -> Ended:
    """The session's one Ended event (always the last)."""
    end = events[-1]
    assert isinstance(end, Ended)
    assert sum(isinstance(e, Ended) for e in events) == 1
    return end
