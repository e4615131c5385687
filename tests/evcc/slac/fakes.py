"""A scripted powerline world for driving the EV state machine with a fake clock."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from evcc.bench.chargers.slac import EvseSlac
from evcc.slac import constants as k
from evcc.slac.ev import SlacEv
from evcc.slac.events import SlacEvent
from evcc.slac.mme import Mme, build, parse

EV_MAC = bytes.fromhex("020000000e01")
MODEM = bytes.fromhex("00b052aa0001")
NMK = bytes.fromhex("B59319D7E8157BA001B018669CCEE30D")
NID = bytes.fromhex("026BCBA5354E08")


def rng_from(seed: int) -> Callable[[int], bytes]:
    gen = random.Random(seed)
    return lambda n: bytes(gen.getrandbits(8) for _ in range(n))


#: Which scripted loss (``FakeEvse.drop`` key) swallows which answer.
_DROPPABLE = {"CM_SLAC_PARM.CNF": "parm_cnf", "CM_ATTEN_CHAR.IND": "atten_ind",
              "CM_SLAC_MATCH.CNF": "match_cnf"}


@dataclass
class FakeEvse:
    """Answers SLAC like an EVSE; ``drop`` names replies to swallow (kind -> how many).

    The answers come from the bench's simulated EVSE (:class:`EvseSlac`) with a fixed
    attenuation; this adds latency, scripted losses and a log of what it was sent.
    """

    mac: bytes
    attenuation: int
    drop: dict[str, int] = field(default_factory=dict)
    latency: float = 0.002
    answer_parm: bool = True
    seen: list[str] = field(default_factory=list)
    ind_delay: float = 0.0
    slac: EvseSlac = field(init=False)

    def __post_init__(self) -> None:
        self.slac = EvseSlac(self.mac, NMK, attenuation=self.attenuation, key_modem=False)

    def _dropped(self, kind: str) -> bool:
        if self.drop.get(kind, 0) > 0:
            self.drop[kind] -= 1
            return True
        return False

    def on_frame(self, msg: Mme, now: float) -> list[tuple[float, bytes]]:
        if msg.dst not in (self.mac, k.BROADCAST_MAC):
            return []
        self.seen.append(msg.name)
        out = []
        for reply in self.slac.answer(msg):
            name = parse(reply).name
            if name == "CM_SLAC_PARM.CNF" and not self.answer_parm:
                continue
            if name in _DROPPABLE and self._dropped(_DROPPABLE[name]):
                continue
            delay = self.ind_delay if name == "CM_ATTEN_CHAR.IND" else 0.0
            out.append((self.latency + delay, reply))
        return out


@dataclass
class FakeModem:
    """The EV's local modem: SET_KEY, link status after ``link_after`` seconds."""

    link_after: float = 0.05
    answer: bool = True
    keyed_at: float | None = None
    nmk: bytes = b""
    ignore_join_keys: int = 0  # swallow this many CM_SET_KEY.REQ that carry a NID (the join)

    def on_frame(self, msg: Mme, now: float) -> list[tuple[float, bytes]]:
        if msg.dst not in (k.MODEM_MGMT_MAC, MODEM) or not self.answer:
            return []
        if msg.name == "CM_SET_KEY.REQ":
            if msg["nid"] != bytes(7) and self.ignore_join_keys > 0:
                self.ignore_join_keys -= 1
                return []
            self.nmk, self.keyed_at = msg["new_key"], now
            return [(0.001, build("CM_SET_KEY.CNF", msg.src, MODEM, result=1))]
        keyed = self.keyed_at is not None and now - self.keyed_at >= self.link_after
        up = int(self.nmk == NMK and keyed)
        if msg.name == "VS_PL_LINK_STATUS.REQ":
            return [(0.001, build("VS_PL_LINK_STATUS.CNF", msg.src, MODEM, link_status=up))]
        if msg.name == "VS_NW_INFO.REQ":
            nets = [{"nid": NID, "stations": [{"mac": b"\x02" * 6, "tei": 2}]}] if up else []
            return [(0.001, build("VS_NW_INFO.CNF", msg.src, MODEM, networks=nets))]
        return []


@dataclass
class World:
    ev: SlacEv
    evses: list[FakeEvse]
    modem: FakeModem = field(default_factory=FakeModem)
    now: float = 0.0
    sent: list[tuple[float, Mme]] = field(default_factory=list)
    events: list[SlacEvent] = field(default_factory=list)
    inject: list[tuple[float, bytes]] = field(default_factory=list)

    def run(self, until: float) -> list[SlacEvent]:
        seq = itertools.count()
        queue: list[tuple[float, int, bytes]] = [(t, next(seq), f) for t, f in self.inject]
        heapq.heapify(queue)
        while True:
            for frame in self.ev.bytes_to_send():
                msg = parse(frame)
                self.sent.append((self.now, msg))
                peers: list[FakeModem | FakeEvse] = [self.modem, *self.evses]
                for peer in peers:
                    for delay, reply in peer.on_frame(msg, self.now):
                        heapq.heappush(queue, (self.now + delay, next(seq), reply))
            while (event := self.ev.next_event()) is not None:
                self.events.append(event)
            deadline = self.ev.timer()
            candidates = [t for t in (deadline, queue[0][0] if queue else None) if t is not None]
            if not candidates or min(candidates) > until:
                self.now = until
                return self.events
            self.now = min(candidates)
            if queue and queue[0][0] <= self.now:
                self.ev.receive(heapq.heappop(queue)[2], self.now)
            else:
                self.ev.handle_timer(self.now)

    def sent_names(self) -> list[str]:
        return [m.name for _, m in self.sent]
