"""A simulated charger's SLAC side (the EVSE host) for the in-process powerline emulator.

It answers CM_SLAC_PARM.REQ, averages the CM_ATTEN_PROFILE.IND its emulated modem adds to
every sound into one CM_ATTEN_CHAR.IND, and on CM_SLAC_MATCH.REQ hands out its network key
and joins its own modem to that network, as an ISO 15118-3 EVSE does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import Mme, build, parse
from evcc.slac.nid import nid_from_nmk


class Endpoint(Protocol):
    """A host interface on the emulated line (``SimEndpoint``)."""

    mac: bytes

    def send(self, frame: bytes) -> None: ...

    def recv(self, timeout: float | None = 0.0) -> bytes | None: ...


@dataclass
class SimEvseSlac:
    """The EVSE host on one port; call :meth:`poll` whenever frames may be queued."""

    endpoint: Endpoint
    nmk: bytes
    run_id: bytes = b""
    expected_sounds: int = 10
    profiles: list[list[int]] = field(default_factory=list)
    reported: bool = False
    matched_with: bytes | None = None

    @property
    def nid(self) -> bytes:
        """The NID of this EVSE's network."""
        return nid_from_nmk(self.nmk)

    def poll(self) -> int:
        """Handle every queued frame; returns how many frames were handled."""
        handled = 0
        while (frame := self.endpoint.recv()) is not None:
            handled += 1
            try:
                msg = parse(frame)
            except FrameError:
                continue  # an EVSE ignores what it cannot parse
            self._on(msg)
        return handled

    def _send(self, name: str, dst: bytes, **fields: Any) -> None:
        self.endpoint.send(build(name, dst, self.endpoint.mac, **fields))

    def _on(self, msg: Mme) -> None:
        if msg.name == "CM_SLAC_PARM.REQ":
            self.run_id, self.profiles, self.reported = msg["run_id"], [], False
            self._send("CM_SLAC_PARM.CNF", msg.src, forwarding_sta=msg.src, run_id=self.run_id,
                       num_sounds=self.expected_sounds)
        elif msg.name == "CM_START_ATTEN_CHAR.IND" and msg["run_id"] == self.run_id:
            self.expected_sounds = msg["num_sounds"] or self.expected_sounds
        elif msg.name == "CM_ATTEN_PROFILE.IND" and self.run_id and not self.reported:
            self.profiles.append(list(msg["aag"]))
            if len(self.profiles) >= self.expected_sounds:
                self._report(msg["pev_mac"])
        elif msg.name == "CM_SLAC_MATCH.REQ" and msg["evse_mac"] == self.endpoint.mac:
            self.matched_with = msg["pev_mac"]
            self._send("CM_SLAC_MATCH.CNF", msg.src, mvf_length=0x56, pev_mac=msg["pev_mac"],
                       evse_mac=self.endpoint.mac, run_id=msg["run_id"], nid=self.nid,
                       nmk=self.nmk)
            self._send("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, nid=self.nid, new_key=self.nmk)

    def _report(self, pev_mac: bytes) -> None:
        """Send the averaged attenuation profile to the EV."""
        count = len(self.profiles)
        aag = [round(sum(column) / count) for column in zip(*self.profiles, strict=True)]
        self._send("CM_ATTEN_CHAR.IND", pev_mac, source_address=pev_mac, run_id=self.run_id,
                   num_sounds=count, aag=aag)
        self.reported = True
