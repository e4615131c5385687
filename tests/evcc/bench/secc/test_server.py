"""The bench charger on ::1: TCP and TLS 1.2 servers answer a scripted client; clean shutdown."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from evcc import v2gtp
from evcc.bench.secc import ChargerConfig
from evcc.bench.secc.server import BenchCharger, SessionRecord
from evcc.bench.secc.tls import ensure_pki, v2g_root_file
from evcc.messages import app, iso2
from tests.evcc.bench.secc.ev import DIALECTS, EVCC_ID, msg, sap_req, sap_res

CBC = "ECDHE-ECDSA-AES128-SHA256"
GCM = "ECDHE-ECDSA-AES128-GCM-SHA256"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield ensure_pki(tmp_path_factory.mktemp("pki"))


def _client_context(pki: Path, cipher: str = CBC) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False  # ISO 15118-2: no host name check
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(cipher)
    context.load_verify_locations(v2g_root_file(pki))
    return context


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    data: bytes) -> v2gtp.Frame:
    writer.write(data)
    await writer.drain()
    stream = v2gtp.StreamBuffer()
    while True:
        chunk = await asyncio.wait_for(reader.read(4096), 5)
        assert chunk, "charger closed before answering"
        frames = stream.feed(chunk)
        if frames:
            return frames[0]


async def _short_session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """SAP, SessionSetup, ServiceDiscovery, SessionStop as an ISO-2 EV."""
    frame = await _exchange(reader, writer, sap_req("iso2"))
    assert sap_res(v2gtp.frame(frame.payload_type, frame.payload)).response_code \
        is app.ResponseCodeType.OK_SuccessfulNegotiation
    frame = await _exchange(reader, writer,
                            msg("iso2", iso2.SessionSetupReqType(evccid=EVCC_ID), bytes(8)))
    session_id, res = DIALECTS["iso2"].decode(frame.payload)
    assert isinstance(res, iso2.SessionSetupResType)
    assert res.response_code is iso2.ResponseCodeType.OK_NewSessionEstablished
    frame = await _exchange(reader, writer, msg("iso2", iso2.ServiceDiscoveryReqType(), session_id))
    assert isinstance(DIALECTS["iso2"].decode(frame.payload)[1], iso2.ServiceDiscoveryResType)
    stop = iso2.SessionStopReqType(charging_session=iso2.ChargingSessionType.Terminate)
    frame = await _exchange(reader, writer, msg("iso2", stop, session_id))
    res = DIALECTS["iso2"].decode(frame.payload)[1]
    assert isinstance(res, iso2.SessionStopResType)
    assert res.response_code is iso2.ResponseCodeType.OK
    assert await asyncio.wait_for(reader.read(1), 5) == b""  # the charger closes


def _assert_released(port: int) -> None:
    with pytest.raises(OSError), socket.create_connection(("::1", port), timeout=1):
        pass


def test_tcp_session_and_clean_shutdown() -> None:
    records: list[SessionRecord] = []

    async def main() -> None:
        async with BenchCharger(ChargerConfig(), sessions=1,
                                on_session=records.append) as charger:
            assert charger.tcp_port is not None and charger.tls_port is None
            reader, writer = await asyncio.open_connection("::1", charger.tcp_port)
            await _short_session(reader, writer)
            writer.close()
            await asyncio.wait_for(charger.wait_done(), 5)
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        _assert_released(charger.tcp_port)

    asyncio.run(main())
    (record,) = records
    assert record.protocol == "iso2" and record.tls is None
    assert record.requests == ["SupportedAppProtocolReq", "SessionSetupReq",
                               "ServiceDiscoveryReq", "SessionStopReq"]
    assert record.close_reason == "session_stop"


@pytest.mark.parametrize("cipher", [CBC, GCM])
def test_tls12_session_with_the_negotiated_cipher(pki: Path, cipher: str) -> None:
    async def main() -> SessionRecord:
        async with BenchCharger(ChargerConfig(), tls="required", pki=pki,
                                sessions=1) as charger:
            assert charger.tcp_port is None and charger.tls_port is not None
            reader, writer = await asyncio.open_connection(
                "::1", charger.tls_port, ssl=_client_context(pki, cipher))
            ssl_object = writer.get_extra_info("ssl_object")
            assert ssl_object.version() == "TLSv1.2"
            assert ssl_object.cipher()[0] == cipher
            chain = ssl_object.getpeercert()
            assert chain is not None
            await _short_session(reader, writer)
            writer.close()
            await asyncio.wait_for(charger.wait_done(), 5)
            return charger.records[0]

    record = asyncio.run(main())
    assert record.tls == "TLSv1.2" and record.cipher == cipher
    assert record.close_reason == "session_stop"


@pytest.mark.parametrize(("fault", "reason"), [
    ("expired_cert", "certificate has expired"),
    ("foreign_root", "unable to get local issuer certificate"),
])
def test_tls_chain_faults_are_refused_by_a_checking_ev(pki: Path, fault: str, reason: str) -> None:
    async def main() -> None:
        async with BenchCharger(ChargerConfig(faults=(fault,)), tls="required",
                                pki=pki) as charger:
            assert charger.tls_port is not None
            with pytest.raises(ssl.SSLCertVerificationError, match=reason):
                await asyncio.open_connection("::1", charger.tls_port,
                                              ssl=_client_context(pki))
            assert charger.records == []

    asyncio.run(main())


def test_one_session_at_a_time_and_close_ends_a_running_session() -> None:
    async def main() -> None:
        charger = BenchCharger(ChargerConfig())
        await charger.start()
        assert charger.tcp_port is not None
        r1, w1 = await asyncio.open_connection("::1", charger.tcp_port)
        await _exchange(r1, w1, sap_req("iso2"))
        r2, w2 = await asyncio.open_connection("::1", charger.tcp_port)
        assert await asyncio.wait_for(r2.read(100), 5) == b""  # busy: refused
        await charger.close()
        assert await asyncio.wait_for(r1.read(100), 5) == b""
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        assert [r.close_reason for r in charger.records] == ["aborted"]
        for w in (w1, w2):
            w.close()
        _assert_released(charger.tcp_port)

    asyncio.run(main())


def test_stall_and_ev_close_over_tcp() -> None:
    async def main() -> SessionRecord:
        config = ChargerConfig(faults=("stall:SessionSetup",))
        async with BenchCharger(config, sessions=1) as charger:
            assert charger.tcp_port is not None
            reader, writer = await asyncio.open_connection("::1", charger.tcp_port)
            await _exchange(reader, writer, sap_req("iso2"))
            writer.write(msg("iso2", iso2.SessionSetupReqType(evccid=EVCC_ID), bytes(8)))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.read(100), 0.3)
            writer.close()
            await asyncio.wait_for(charger.wait_done(), 5)
            return charger.records[0]

    record = asyncio.run(main())
    assert record.close_reason == "ev_closed"
    assert record.requests[-1] == "SessionSetupReq"


def test_drip_over_tcp_arrives_in_pieces() -> None:
    async def main() -> list[int]:
        config = ChargerConfig(faults=("drip:SupportedAppProtocol",))
        async with BenchCharger(config) as charger:
            assert charger.tcp_port is not None
            reader, writer = await asyncio.open_connection("::1", charger.tcp_port)
            writer.write(sap_req("iso2"))
            sizes, stream = [], v2gtp.StreamBuffer()
            while True:
                chunk = await asyncio.wait_for(reader.read(100), 5)
                sizes.append(len(chunk))
                if stream.feed(chunk):
                    break
            writer.close()
            return sizes

    sizes = asyncio.run(main())
    assert len(sizes) >= 3 and max(sizes) <= 3


def test_pause_then_resume_with_the_old_session_id() -> None:
    async def setup(port: int, session_id: bytes) -> tuple[asyncio.StreamReader,
                                                             asyncio.StreamWriter, object, bytes]:
        reader, writer = await asyncio.open_connection("::1", port)
        await _exchange(reader, writer, sap_req("iso2"))
        frame = await _exchange(reader, writer, msg(
            "iso2", iso2.SessionSetupReqType(evccid=EVCC_ID), session_id))
        sid, res = DIALECTS["iso2"].decode(frame.payload)
        return reader, writer, res, sid

    async def main() -> list[SessionRecord]:
        async with BenchCharger(ChargerConfig(), sessions=2) as charger:
            assert charger.tcp_port is not None
            reader, writer, res, first = await setup(charger.tcp_port, bytes(8))
            pause = iso2.SessionStopReqType(charging_session=iso2.ChargingSessionType.Pause)
            await _exchange(reader, writer, msg("iso2", pause, first))
            assert await asyncio.wait_for(reader.read(1), 5) == b""
            writer.close()
            while not charger.records:
                await asyncio.sleep(0.01)
            reader, writer, res, second = await setup(charger.tcp_port, first)
            assert isinstance(res, iso2.SessionSetupResType)
            assert res.response_code is iso2.ResponseCodeType.OK_OldSessionJoined
            assert second == first
            writer.close()
            await asyncio.wait_for(charger.wait_done(), 5)
            return charger.records

    records = asyncio.run(main())
    assert [r.close_reason for r in records] == ["paused", "ev_closed"]
    assert records[0].session_id == records[1].session_id
