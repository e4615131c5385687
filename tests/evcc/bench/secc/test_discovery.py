"""The SDP responder: answers on ::1, and in a namespace pair through `evcc bench charger`."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evcc import v2gtp
from evcc.bench.secc import ChargerConfig
from evcc.bench.secc.discovery import SdpOffer, answer
from evcc.bench.secc.server import BenchCharger
from evcc.sdp import SdpRequest, Security, Transport

ADDRESS = ipaddress.IPv6Address("fe80::ff:fe00:5e01")
ROOT = Path(__file__).resolve().parents[4]


def _response(data: bytes | None) -> tuple[ipaddress.IPv6Address, int, Security, Transport]:
    assert data is not None
    frame = v2gtp.parse_datagram(data)
    assert frame.payload_type is v2gtp.PayloadType.SDP_RESPONSE
    p = frame.payload
    return (ipaddress.IPv6Address(p[:16]), int.from_bytes(p[16:18], "big"), Security(p[18]),
            Transport(p[19]))


@pytest.mark.parametrize(("asked", "offer", "expected"), [
    (Security.TLS, SdpOffer(ADDRESS, 1001, 1002), (1001, Security.TLS)),
    (Security.NO_TLS, SdpOffer(ADDRESS, 1001, 1002), (1002, Security.NO_TLS)),
    (Security.NO_TLS, SdpOffer(ADDRESS, 1001, None), (1001, Security.TLS)),  # TLS required
    (Security.TLS, SdpOffer(ADDRESS, None, 1002), (1002, Security.NO_TLS)),  # TLS off
])
def test_answer_security(asked: Security, offer: SdpOffer,
                         expected: tuple[int, Security]) -> None:
    address, port, security, transport = _response(answer(SdpRequest(asked).to_bytes(), offer))
    assert (address, port, security, transport) == (ADDRESS, *expected, Transport.TCP)


@pytest.mark.parametrize("datagram", [
    b"", b"\x01\xfe\x90\x00\x00\x00\x00\x02\x00", b"\x02\xfd\x90\x00\x00\x00\x00\x02\x00\x00",
    b"\x01\xfe\x90\x01\x00\x00\x00\x02\x00\x00", b"\x01\xfe\x90\x00\x00\x00\x00\x02\x33\x00",
    SdpRequest(Security.TLS, Transport.UDP).to_bytes(),
])
def test_unusable_requests_are_ignored(datagram: bytes) -> None:
    assert answer(datagram, SdpOffer(ADDRESS, 1, 2)) is None


def test_sdp_on_loopback_names_the_tcp_and_tls_ports(tmp_path: Path) -> None:
    async def main() -> list[tuple[ipaddress.IPv6Address, int, Security, Transport]]:
        async with BenchCharger(ChargerConfig(), tls="on", pki=tmp_path / "pki", sdp=True,
                                sdp_port=0) as charger:
            assert charger.sdp is not None
            loop = asyncio.get_running_loop()
            out = []
            with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                for security in (Security.TLS, Security.NO_TLS):
                    await loop.sock_sendto(sock, SdpRequest(security).to_bytes(),
                                           ("::1", charger.sdp.port))
                    data = await asyncio.wait_for(loop.sock_recv(sock, 100), 5)
                    out.append(_response(data))
                await loop.sock_sendto(sock, b"junk", ("::1", charger.sdp.port))
                await asyncio.sleep(0.05)
            assert (charger.sdp.answered, charger.sdp.ignored) == (2, 1)
            assert out[0][1] == charger.tls_port and out[1][1] == charger.tcp_port
            return out

    from evcc.bench.secc.tls import ensure_pki
    ensure_pki(tmp_path / "pki")
    (tls, plain) = asyncio.run(main())
    assert tls[0] == plain[0] == ipaddress.IPv6Address("::1")
    assert (tls[2], plain[2]) == (Security.TLS, Security.NO_TLS)


_EV_SCRIPT = textwrap.dedent("""
    import json, socket, sys
    from evcc import exi, v2gtp
    from evcc.messages import app
    from evcc.sdp import SdpRequest, SdpResponse, Security
    iface = sys.argv[1]
    scope = socket.if_nametoindex(iface)
    udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, scope)
    udp.settimeout(0.25)
    for _ in range(20):
        udp.sendto(SdpRequest(Security.NO_TLS).to_bytes(), ("ff02::1", 15118, 0, scope))
        try:
            data, _ = udp.recvfrom(100)
            break
        except TimeoutError:
            continue
    res = SdpResponse.from_payload(v2gtp.parse_datagram(data).payload)
    tcp = socket.create_connection((f"{res.address}%{iface}", res.port), timeout=5)
    req = app.SupportedAppProtocolReq(app_protocol=[app.AppProtocolType(
        protocol_namespace="urn:din:70121:2012:MsgDef", version_number_major=2,
        version_number_minor=0, schema_id=1, priority=1)])
    tcp.sendall(v2gtp.frame(v2gtp.PayloadType.EXI, exi.encode(req, "app")))
    frame = v2gtp.StreamBuffer().feed(tcp.recv(100))[0]
    sap = exi.decode(frame.payload, "app")
    tcp.close()
    print(json.dumps({"address": str(res.address), "port": res.port,
                      "security": res.security.name, "sap": sap.response_code.value}))
""")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")
def test_cli_charger_in_a_namespace_pair(tmp_path: Path) -> None:
    tag = f"sc{os.getpid() % 100000}"
    secc_ns, ev_ns, secc_if, ev_if = f"{tag}-s", f"{tag}-e", f"{tag}s", f"{tag}e"
    script = tmp_path / "ev.py"
    script.write_text(_EV_SCRIPT)
    charger: subprocess.Popen[str] | None = None
    try:
        _ip("netns", "add", secc_ns)
        _ip("netns", "add", ev_ns)
        _ip("link", "add", secc_if, "type", "veth", "peer", "name", ev_if)
        for ns, iface in ((secc_ns, secc_if), (ev_ns, ev_if)):
            _ip("link", "set", iface, "netns", ns)
            for key in ("accept_dad", "dad_transmits"):
                subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                                f"net.ipv6.conf.{iface}.{key}=0"], check=True)
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", iface, "up")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        charger = subprocess.Popen(
            ["ip", "netns", "exec", secc_ns, sys.executable, "-m", "evcc", "bench", "charger",
             "--iface", secc_if, "--protocols", "din", "--sessions", "1", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert charger.stdout is not None
        listening = json.loads(charger.stdout.readline())
        assert listening["event"] == "listening" and listening["address"].startswith("fe80::")
        ev = subprocess.run(["ip", "netns", "exec", ev_ns, sys.executable, str(script), ev_if],
                            capture_output=True, text=True, timeout=30, env=env, check=False)
        assert ev.returncode == 0, ev.stderr
        result = json.loads(ev.stdout)
        assert result == {"address": listening["address"], "port": listening["tcp_port"],
                          "security": "NO_TLS", "sap": "OK_SuccessfulNegotiation"}
        out, err = charger.communicate(timeout=30)
        assert charger.returncode == 0, err
        session = json.loads(out.splitlines()[-1])
        assert session["event"] == "session" and session["protocol"] == "din"
        assert session["requests"] == ["SupportedAppProtocolReq"]
        assert session["close_reason"] == "ev_closed"
    finally:
        if charger is not None and charger.poll() is None:
            charger.kill()
            charger.wait()
        for ns in (secc_ns, ev_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)
