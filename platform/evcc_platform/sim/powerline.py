"""Green PHY modems and the powerline between them, as a pure frame-in/frames-out core.

Each *port* is one host interface with its own emulated QCA modem. The core answers the
host's management requests like the modem would, passes SLAC frames between the EV and the
EVSE ports whatever the keys, adds a CM_ATTEN_PROFILE.IND (with that port's configured
attenuation) to every sound delivered to an EVSE host, and forwards all other traffic only
between ports whose modems hold the same NMK, ``join_delay`` seconds after the later key.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import Mme, build, parse, peek_mmtype
from evcc.slac.nid import nid_from_nmk
from evcc_platform.errors import PlatformError

Delivery = tuple[str, bytes]
#: (time, port, direction "rx"/"tx", frame) for traces and benchmarks.
Observer = Callable[[float, str, str, bytes], None]

_MGMT = {
    k.CM_SET_KEY | k.REQ, k.CM_GET_KEY | k.REQ, k.VS_SW_VER | k.REQ, k.VS_RS_DEV | k.REQ,
    k.VS_NW_INFO | k.REQ, k.VS_PL_LINK_STATUS | k.REQ,
}
SW_VERSION = "MAC-QCA7000-1.2.5.3207-00-20190208-CS (emulated)"


@dataclass
class PortConfig:
    """One host attached to the emulated line."""

    name: str
    role: str = "evse"  # "ev" or "evse"
    attenuation_db: float = 20.0
    jitter_db: float = 0.0

    def __post_init__(self) -> None:
        if self.role not in ("ev", "evse"):
            raise PlatformError(f"port {self.name}: role must be 'ev' or 'evse'")
        if not 0 <= self.attenuation_db <= 255:
            raise PlatformError(f"port {self.name}: attenuation must be 0..255 dB")
        if not 0 <= self.jitter_db <= 255:
            raise PlatformError(f"port {self.name}: jitter must be 0..255 dB")


@dataclass
class _Modem:
    config: PortConfig
    mac: bytes
    nmk: bytes | None = None
    nid: bytes = bytes(7)
    keyed_at: float = 0.0
    hosts: set[bytes] = field(default_factory=set)
    start_atten_runs: set[bytes] = field(default_factory=set)


class Powerline:
    """The emulated line; call :meth:`receive` for every frame a host sends."""

    def __init__(
        self,
        ports: list[PortConfig],
        *,
        join_delay: float = 1.0,
        sound_loss: float = 0.0,
        set_key_result: int = 1,
        first_start_atten_only: bool = False,
        pad_short_sounds: bool = True,
        rng: random.Random | None = None,
        observer: Observer | None = None,
    ) -> None:
        names = [p.name for p in ports]
        if len(set(names)) != len(names) or not ports:
            raise PlatformError("port names must be unique and at least one port given")
        if not 0.0 <= sound_loss < 1.0:
            raise PlatformError("sound loss must be in [0, 1)")
        if not 0.0 <= join_delay < math.inf:
            raise PlatformError("join delay must be a number of seconds >= 0")
        self.ports = {
            p.name: _Modem(p, k.QCA_OUI + bytes([0xE0, 0x00, i + 1]))
            for i, p in enumerate(ports)
        }
        self.join_delay = join_delay
        self.sound_loss = sound_loss
        self.set_key_result = set_key_result
        self.first_start_atten_only = first_start_atten_only
        self.pad_short_sounds = pad_short_sounds
        self.rng = rng or random.Random()
        self.observer = observer

    # ---------------------------------------------------------------- queries
    def modem_mac(self, port: str) -> bytes:
        return self.ports[port].mac

    def joined(self, a: str, b: str, now: float) -> bool:
        """True once both modems hold the same NMK for at least the join delay."""
        ma, mb = self.ports[a], self.ports[b]
        if ma.nmk is None or ma.nmk != mb.nmk:
            return False
        return now >= max(ma.keyed_at, mb.keyed_at) + self.join_delay

    def _joined_names(self, port: str, now: float) -> list[str]:
        """The other ports in the same logical network as ``port``."""
        return [n for n in self.ports if n != port and self.joined(port, n, now)]

    def _peers_in_avln(self, port: str, now: float) -> list[_Modem]:
        return [self.ports[n] for n in self._joined_names(port, now)]

    def _narrow(self, names: list[str], dst: bytes) -> list[str]:
        """Unicast ``dst``: the ports whose hosts include it (all ``names`` if none do)."""
        if dst[0] & 1:  # broadcast / multicast
            return names
        return [n for n in names if dst in self.ports[n].hosts] or names

    # ---------------------------------------------------------------- main entry
    def receive(self, port: str, frame: bytes, now: float) -> list[Delivery]:
        """A host on ``port`` sent ``frame``; returns (port, frame) pairs to deliver."""
        if port not in self.ports or len(frame) < 14:
            return []
        modem = self.ports[port]
        modem.hosts.add(frame[6:12])
        if self.observer:
            self.observer(now, port, "rx", frame)
        out = self._route(port, modem, frame, now)
        if self.observer:
            for dest, data in out:
                self.observer(now, dest, "tx", data)
        return out

    def _route(self, port: str, modem: _Modem, frame: bytes, now: float) -> list[Delivery]:
        if frame[12:14] != b"\x88\xe1":
            return self._data_path(port, frame, now)
        try:
            mmtype = peek_mmtype(frame)
        except FrameError:
            return []
        dst = frame[0:6]
        if mmtype in _MGMT and dst in (k.MODEM_MGMT_MAC, modem.mac, k.BROADCAST_MAC):
            try:
                msg = parse(frame)
            except FrameError:
                return []  # a modem drops what it cannot parse
            return self._manage(port, modem, msg, now)
        if mmtype in k.SLAC_MMTYPE_RANGE:
            return self._slac(port, modem, mmtype, frame)
        return self._data_path(port, frame, now)

    # ---------------------------------------------------------------- management
    def _manage(self, port: str, modem: _Modem, msg: Mme, now: float) -> list[Delivery]:
        host, code = msg.src, msg.mmtype
        if code == k.CM_SET_KEY | k.REQ:
            modem.nmk, modem.nid, modem.keyed_at = msg["new_key"], msg["nid"], now
            cnf = build(
                k.CM_SET_KEY | k.CNF, host, modem.mac, result=self.set_key_result,
                my_nonce=msg["your_nonce"], your_nonce=msg["my_nonce"],
            )
            return [(port, cnf)]
        if code == k.CM_GET_KEY | k.REQ:
            out: list[Delivery] = []
            if modem.nmk is not None:
                out.append((port, build(
                    k.CM_GET_KEY | k.CNF, host, modem.mac, result=0, nid=modem.nid,
                    your_nonce=msg["my_nonce"], key=modem.nmk,
                )))
                for peer in self._peers_in_avln(port, now):
                    out.append((port, build(
                        k.CM_GET_KEY | k.CNF, host, peer.mac, result=1, nid=peer.nid,
                        your_nonce=msg["my_nonce"],
                    )))
            return out
        if code == k.VS_SW_VER | k.REQ:
            cnf = build(k.VS_SW_VER | k.CNF, host, modem.mac, device_id=0x20, version=SW_VERSION)
            return [(port, cnf)]
        if code == k.VS_RS_DEV | k.REQ:
            modem.nmk, modem.nid = None, bytes(7)
            return [(port, build(k.VS_RS_DEV | k.CNF, host, modem.mac, mstatus=0))]
        peers = self._peers_in_avln(port, now)
        if code == k.VS_PL_LINK_STATUS | k.REQ:
            cnf = build(k.VS_PL_LINK_STATUS | k.CNF, host, modem.mac, link_status=int(bool(peers)))
            return [(port, cnf)]
        # VS_NW_INFO: answer in the MMV the host used
        networks = []
        if modem.nmk is not None and peers:
            stations = [{"mac": p.mac, "tei": i + 2} for i, p in enumerate(peers)]
            networks.append({"nid": modem.nid, "cco_mac": modem.mac, "stations": stations})
        cnf = build(k.VS_NW_INFO | k.CNF, host, modem.mac, mmv=msg.mmv, networks=networks)
        return [(port, cnf)]

    # ---------------------------------------------------------------- SLAC
    def _targets(self, port: str, modem: _Modem, dst: bytes) -> list[str]:
        role = "evse" if modem.config.role == "ev" else "ev"
        names = [n for n, m in self.ports.items() if n != port and m.config.role == role]
        return self._narrow(names, dst)

    def _slac(self, port: str, modem: _Modem, mmtype: int, frame: bytes) -> list[Delivery]:
        out: list[Delivery] = []
        is_sound = mmtype == k.CM_MNBC_SOUND | k.IND
        if is_sound and self.pad_short_sounds and len(frame) == 64:
            frame = frame[:47] + bytes(8) + frame[47:63]  # 64-byte variant -> ISO layout
        for name in self._targets(port, modem, frame[0:6]):
            target = self.ports[name]
            if mmtype == k.CM_START_ATTEN_CHAR | k.IND and self.first_start_atten_only:
                run_id = frame[30:38]
                if run_id in target.start_atten_runs:
                    continue
                target.start_atten_runs.add(run_id)
            if is_sound and target.config.role == "evse":
                if self.sound_loss and self.rng.random() < self.sound_loss:
                    continue
                out.append((name, frame))
                out.append((name, self._profile(target, frame[6:12])))
                continue
            out.append((name, frame))
        return out

    def _profile(self, target: _Modem, pev_mac: bytes) -> bytes:
        cfg = target.config
        aag = []
        for _ in range(k.NUM_GROUPS):
            value = cfg.attenuation_db + self.rng.uniform(-cfg.jitter_db, cfg.jitter_db)
            aag.append(max(0, min(255, round(value))))
        host = next(iter(sorted(target.hosts)), k.BROADCAST_MAC)
        return build(k.CM_ATTEN_PROFILE | k.IND, host, target.mac, pev_mac=pev_mac, aag=aag)

    # ---------------------------------------------------------------- data path
    def _data_path(self, port: str, frame: bytes, now: float) -> list[Delivery]:
        return [(n, frame) for n in self._narrow(self._joined_names(port, now), frame[0:6])]

    def nid_of(self, port: str) -> bytes | None:
        """NID derived from the port's NMK (None without a key)."""
        nmk = self.ports[port].nmk
        return None if nmk is None else nid_from_nmk(nmk)
