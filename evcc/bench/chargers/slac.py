"""A simulated charger's SLAC side (the EVSE host), for the demo, the bench and the tests.

:class:`EvseSlac` is sans-IO: :meth:`EvseSlac.answer` takes one parsed MME and returns the
frames the EVSE sends back. It answers CM_SLAC_PARM.REQ, reports the attenuation in one
CM_ATTEN_CHAR.IND, and on CM_SLAC_MATCH.REQ hands out its network key and (optionally) keys
its own modem with it, as an ISO 15118-3 EVSE does. The attenuation is either what its
emulated modem measured (the CM_ATTEN_PROFILE.IND it adds to every sound, averaged) or a
fixed figure for scripted tests. :class:`SimEvseSlac` puts one on a host interface of the
in-process powerline emulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import Mme, build, parse
from evcc.slac.nid import nid_from_nmk

__all__ = ["Endpoint", "EvseSlac", "SimEvseSlac"]


@dataclass
class EvseSlac:
    """The SLAC answers of one EVSE with MAC ``mac`` and network key ``nmk``."""

    mac: bytes
    nmk: bytes
    #: Report this attenuation (dB, every group) after the EV's last sound; None: average
    #: the CM_ATTEN_PROFILE.IND of the EVSE's emulated modem.
    attenuation: int | None = None
    #: Send CM_SET_KEY.REQ with the network key to the EVSE's own modem after a match.
    key_modem: bool = True
    run_id: bytes = b""
    expected_sounds: int = 10
    sounds: int = 0
    profiles: list[list[int]] = field(default_factory=list)
    reported: bool = False
    validations: int = 0
    matched_with: bytes | None = None

    @property
    def nid(self) -> bytes:
        """The NID of this EVSE's network."""
        return nid_from_nmk(self.nmk)

    def answer(self, msg: Mme) -> list[bytes]:
        """The frames this EVSE sends in answer to ``msg`` (none if it is not for it)."""
        if msg.dst not in (self.mac, k.BROADCAST_MAC):
            return []
        name = msg.name
        if name == "CM_SLAC_PARM.REQ":
            self.run_id, self.sounds, self.profiles, self.reported = msg["run_id"], 0, [], False
            return [self._build("CM_SLAC_PARM.CNF", msg.src, forwarding_sta=msg.src,
                                run_id=self.run_id, num_sounds=self.expected_sounds)]
        if name == "CM_START_ATTEN_CHAR.IND" and msg["run_id"] == self.run_id:
            self.expected_sounds = msg["num_sounds"] or self.expected_sounds
        elif name == "CM_MNBC_SOUND.IND" and msg["run_id"] == self.run_id:
            self.sounds += 1
            if self.attenuation is not None and msg["cnt"] == 0 and not self.reported:
                return [self._report(msg.src, [self.attenuation] * k.NUM_GROUPS, self.sounds)]
        elif name == "CM_ATTEN_PROFILE.IND" and self.attenuation is None:
            if self.run_id and not self.reported:
                self.profiles.append(list(msg["aag"]))
                if len(self.profiles) >= self.expected_sounds:
                    return [self._report(msg["pev_mac"], self.average(), len(self.profiles))]
        elif name == "CM_SLAC_MATCH.REQ" and msg["evse_mac"] == self.mac:
            return self._match(msg)
        elif name == "CM_VALIDATE.REQ":
            self.validations += 1
            result = 1 if self.validations == 1 else 2
            return [self._build("CM_VALIDATE.CNF", msg.src, toggle_num=0, result=result)]
        elif name == "CM_AMP_MAP.REQ":
            return [self._build("CM_AMP_MAP.CNF", msg.src, res_type=0)]
        return []

    def average(self) -> list[int]:
        """The attenuation profiles received so far, averaged per group."""
        count = len(self.profiles)
        return [round(sum(column) / count) for column in zip(*self.profiles, strict=True)]

    def _match(self, msg: Mme) -> list[bytes]:
        self.matched_with = msg["pev_mac"]
        out = [self._build("CM_SLAC_MATCH.CNF", msg.src, mvf_length=0x56,
                           pev_mac=msg["pev_mac"], evse_mac=self.mac, run_id=msg["run_id"],
                           nid=self.nid, nmk=self.nmk)]
        if self.key_modem:
            out.append(self._build("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, nid=self.nid,
                                   new_key=self.nmk))
        return out

    def _report(self, pev_mac: bytes, aag: list[int], sounds: int) -> bytes:
        self.reported = True
        return self._build("CM_ATTEN_CHAR.IND", pev_mac, source_address=pev_mac,
                           run_id=self.run_id, num_sounds=sounds, aag=aag)

    def _build(self, name: str, dst: bytes, **fields: Any) -> bytes:
        return build(name, dst, self.mac, **fields)


class Endpoint(Protocol):
    """A host interface on the emulated line (``SimEndpoint``)."""

    mac: bytes

    def send(self, frame: bytes) -> None: ...

    def recv(self, timeout: float | None = 0.0) -> bytes | None: ...


class SimEvseSlac:
    """An EVSE host on one port of the in-process line; :meth:`poll` when frames may wait."""

    def __init__(self, endpoint: Endpoint, slac: EvseSlac) -> None:
        if slac.mac != endpoint.mac:
            raise ValueError("the EVSE's MAC must be its endpoint's")
        self.endpoint = endpoint
        self.slac = slac

    @property
    def nid(self) -> bytes:
        """The NID of this EVSE's network."""
        return self.slac.nid

    @property
    def matched_with(self) -> bytes | None:
        """The EV MAC of the last CM_SLAC_MATCH.REQ, if any."""
        return self.slac.matched_with

    def poll(self) -> int:
        """Handle every queued frame; returns how many frames were handled."""
        handled = 0
        while (frame := self.endpoint.recv()) is not None:
            handled += 1
            try:
                msg = parse(frame)
            except FrameError:
                continue  # an EVSE ignores what it cannot parse
            for out in self.slac.answer(msg):
                self.endpoint.send(out)
        return handled
