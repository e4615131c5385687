"""Lab topology for the emulator: EV and EVSE network namespaces joined to a PLC namespace.

``[ns EV] ev0 <-veth-> pev [ns PLC: emulator] pe<i> <-veth-> evse0 [ns EVSE<i>]``.
Needs root (CAP_NET_ADMIN); always call :meth:`Topology.close` (it is a context manager).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from evcc_platform.errors import PlatformError

EV_MAC = "02:00:00:00:0e:01"


def evse_mac(index: int) -> str:
    return f"02:00:00:00:5e:{index + 1:02x}"


def evse_link_local(index: int) -> str:
    return f"fe80::ff:fe00:5e{index + 1:02x}"


def netns_available() -> str | None:
    """None if namespaces can be made here, else the reason they cannot."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    return None


def _ip(*args: str) -> None:
    proc = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PlatformError(f"ip {' '.join(args)}: {proc.stderr.strip()}")


@dataclass
class Topology:
    """Namespaces ``<prefix>-ev``, ``<prefix>-plc`` and ``<prefix>-e<i>`` with veth pairs."""

    prefix: str
    evses: int = 1
    ev_ns: str = field(init=False)
    plc_ns: str = field(init=False)
    evse_ns: list[str] = field(init=False)
    _made: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.ev_ns = f"{self.prefix}-ev"
        self.plc_ns = f"{self.prefix}-plc"
        self.evse_ns = [f"{self.prefix}-e{i + 1}" for i in range(self.evses)]
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    def _netns(self, name: str, ipv6: bool) -> None:
        _ip("netns", "add", name)
        self._made.append(name)
        sysctls = ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]
        if not ipv6:
            sysctls = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]
        subprocess.run(
            ["ip", "netns", "exec", name, "sysctl", "-qw", *sysctls], check=False,
            capture_output=True,
        )
        _ip("-n", name, "link", "set", "lo", "up")

    def _create(self) -> None:
        self._netns(self.plc_ns, ipv6=False)
        self._netns(self.ev_ns, ipv6=True)
        self._pair(self.ev_ns, "ev0", EV_MAC, "pev")
        for i, ns in enumerate(self.evse_ns):
            self._netns(ns, ipv6=True)
            self._pair(ns, "evse0", evse_mac(i), f"pe{i + 1}")

    def _pair(self, ns: str, host_if: str, mac: str, plc_if: str) -> None:
        _ip("link", "add", host_if, "netns", ns, "address", mac, "type", "veth",
            "peer", "name", plc_if, "netns", self.plc_ns)
        _ip("-n", ns, "link", "set", host_if, "up")
        _ip("-n", self.plc_ns, "link", "set", plc_if, "up")

    @property
    def evse_ports(self) -> list[str]:
        return [f"pe{i + 1}" for i in range(self.evses)]

    @staticmethod
    def exec_args(ns: str, argv: Sequence[str]) -> list[str]:
        """Command line that runs ``argv`` inside namespace ``ns``."""
        return ["ip", "netns", "exec", ns, *argv]

    def close(self) -> None:
        """Delete every namespace made (their veth pairs go with them)."""
        while self._made:
            name = self._made.pop()
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

    def __enter__(self) -> Topology:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
