"""EV SLAC state machine driven with a fake clock against scripted EVSEs and modem."""

from __future__ import annotations

import itertools
import random

import pytest

from evcc.errors import FrameError, SlacError
from evcc.slac import constants as k
from evcc.slac.ev import Phase, SlacConfig, SlacEv
from evcc.slac.events import Failed, Matched, Progress, SlacEvent, ValidateToggle
from evcc.slac.mme import Mme, build, parse
from tests.evcc.slac.fakes import EV_MAC, NID, FakeEvse, FakeModem, World, rng_from

EVSE1 = bytes.fromhex("020000005e01")
EVSE2 = bytes.fromhex("020000005e02")


def make(
    config: SlacConfig | None = None, *evses: FakeEvse, modem: FakeModem | None = None
) -> tuple[SlacEv, World]:
    ev = SlacEv(EV_MAC, rng_from(1), config)
    world = World(ev, list(evses), modem or FakeModem())
    ev.start(0.0)
    return ev, world


def phase(ev: SlacEv) -> str:
    return ev.phase.value


def matched(events: list[SlacEvent]) -> Matched:
    done = [e for e in events if isinstance(e, (Matched, Failed))]
    assert len(done) == 1, events
    assert isinstance(done[0], Matched), done[0]
    return done[0]


def match_req_after_first_start(world: World) -> float:
    """Seconds from the first CM_START_ATTEN_CHAR.IND to the first CM_SLAC_MATCH.REQ."""
    first_start = next(t for t, m in world.sent if m.name == "CM_START_ATTEN_CHAR.IND")
    return next(t for t, m in world.sent if m.name == "CM_SLAC_MATCH.REQ") - first_start


def test_two_evses_lower_attenuation_chosen_and_early_decision() -> None:
    far, near = FakeEvse(EVSE1, 45), FakeEvse(EVSE2, 12)
    ev, world = make(None, far, near)
    result = matched(world.run(20.0))
    assert result.evse_mac == EVSE2 and result.nid == NID
    assert result.attenuation_db == {EVSE1: 45.0, EVSE2: 12.0}
    # decided right after the last sound, long before TT_EV_atten_results (1.2 s)
    match_req = [t for t, m in world.sent if m.name == "CM_SLAC_MATCH.REQ"]
    assert match_req and match_req[0] < 0.35
    assert [m.dst for _, m in world.sent if m.name == "CM_SLAC_MATCH.REQ"] == [EVSE2]
    names = world.sent_names()
    assert names.count("CM_START_ATTEN_CHAR.IND") == 3 and names.count("CM_MNBC_SOUND.IND") == 10
    rsp = [m.dst for _, m in world.sent if m.name == "CM_ATTEN_CHAR.RSP"]
    assert sorted(rsp) == [EVSE1, EVSE2]
    assert ev.phase is Phase.MATCHED and result.match_ms < 350
    keys = [m for _, m in world.sent if m.name == "CM_SET_KEY.REQ"]
    assert len(keys) == 2 and keys[0]["new_key"] != keys[1]["new_key"]
    assert keys[1]["nid"] == NID and keys[1]["dst" if False else "new_key"] == bytes.fromhex(
        "B59319D7E8157BA001B018669CCEE30D"
    )


def test_batch_pacing_and_sound_counter() -> None:
    _, world = make(None, FakeEvse(EVSE1, 10))
    world.run(20.0)
    kinds = ("CM_START_ATTEN_CHAR.IND", "CM_MNBC_SOUND.IND")
    batch = [(t, m) for t, m in world.sent if m.name in kinds]
    gaps = [round(b[0] - a[0], 6) for a, b in itertools.pairwise(batch)]
    assert gaps == [0.02] * 12
    assert [m["cnt"] for _, m in batch[3:]] == list(range(9, -1, -1))
    assert {m.src for _, m in batch} == {EV_MAC} and {m.dst for _, m in batch} == {k.BROADCAST_MAC}
    assert all(m["run_id"] == batch[0][1]["run_id"] for _, m in batch)


def test_without_early_decision_waits_out_atten_results() -> None:
    _, world = make(SlacConfig(early_decision=False), FakeEvse(EVSE1, 10))
    world.run(20.0)
    assert match_req_after_first_start(world) == pytest.approx(1.2)


def test_lost_parm_cnf_is_retried() -> None:
    _, world = make(None, FakeEvse(EVSE1, 10, drop={"parm_cnf": 2}))
    result = matched(world.run(20.0))
    times = [t for t, m in world.sent if m.name == "CM_SLAC_PARM.REQ"]
    assert len(times) == 3 and times[1] - times[0] == pytest.approx(0.2)
    assert result.attempts == 1


def test_no_parm_cnf_restarts_after_matching_rate_with_new_run_id() -> None:
    evse = FakeEvse(EVSE1, 10, drop={"parm_cnf": 3})
    _, world = make(None, evse)
    result = matched(world.run(20.0))
    reqs = [(t, m["run_id"]) for t, m in world.sent if m.name == "CM_SLAC_PARM.REQ"]
    assert len(reqs) == 4 and reqs[3][1] != reqs[0][1]
    failed_at = reqs[2][0] + 0.2
    assert any(isinstance(e, Progress) and "no CM_SLAC_PARM.CNF" in e.detail for e in world.events)
    # restart: TT_matching_rate after the failure, beginning with a new leave key
    leave = [t for t, m in world.sent if m.name == "CM_SET_KEY.REQ"]
    assert leave[1] == pytest.approx(failed_at + 0.4)
    assert result.attempts == 2


def test_lost_atten_char_ind_waits_for_atten_results_then_uses_the_rest() -> None:
    quiet = FakeEvse(EVSE2, 5, drop={"atten_ind": 1})
    _, world = make(None, FakeEvse(EVSE1, 30), quiet)
    result = matched(world.run(20.0))
    assert result.evse_mac == EVSE1 and result.attenuation_db == {EVSE1: 30.0}
    assert match_req_after_first_start(world) == pytest.approx(1.2)


def test_lost_match_cnf_is_retried_then_restart() -> None:
    _ev, world = make(None, FakeEvse(EVSE1, 10, drop={"match_cnf": 2}))
    result = matched(world.run(20.0))
    reqs = [t for t, m in world.sent if m.name == "CM_SLAC_MATCH.REQ"]
    assert len(reqs) == 3 and reqs[2] - reqs[1] == pytest.approx(0.2)
    assert result.attempts == 1

    _, world = make(None, FakeEvse(EVSE1, 10, drop={"match_cnf": 3}))
    result = matched(world.run(20.0))
    assert result.attempts == 2
    assert len([1 for _, m in world.sent if m.name == "CM_SLAC_MATCH.REQ"]) == 4


def test_wrong_run_id_and_foreign_macs_are_ignored() -> None:
    ev = SlacEv(EV_MAC, rng_from(2), SlacConfig(leave_network=False))
    ev.start(0.0)
    run_id = ev.bytes_to_send()[0][21:29]
    other = bytes(8)
    cnf = "CM_SLAC_PARM.CNF"
    ev.receive(build(cnf, EV_MAC, EVSE1, forwarding_sta=EV_MAC, run_id=other), 0.01)
    assert phase(ev) == "parm"
    foreign = bytes.fromhex("02aaaaaaaaaa")
    ev.receive(build(cnf, foreign, EVSE1, forwarding_sta=foreign, run_id=run_id), 0.01)
    ev.receive(build(cnf, EV_MAC, EVSE1, forwarding_sta=foreign, run_id=run_id), 0.01)
    assert phase(ev) == "parm"
    # open-plc-utils evse sends FORWARDING_STA all zeros: accepted
    ev.receive(build(cnf, EV_MAC, EVSE1, forwarding_sta=bytes(6), run_id=run_id), 0.01)
    assert phase(ev) == "sounding"
    while (deadline := ev.timer()) is not None and deadline < 0.5:
        ev.handle_timer(deadline)  # the whole batch, 20 ms apart
    ev.bytes_to_send()

    def ind(src: bytes, source: bytes, rid: bytes, groups: int = 58, sounds: int = 10) -> bytes:
        return build(
            "CM_ATTEN_CHAR.IND", EV_MAC, src, source_address=source, run_id=rid,
            num_sounds=sounds, aag=[9] * groups,
        )

    ev.receive(ind(EVSE1, foreign, run_id), 0.51)
    ev.receive(ind(EVSE1, EV_MAC, other), 0.51)
    ev.receive(ind(EVSE1, EV_MAC, run_id, groups=57), 0.51)
    ev.receive(ind(EVSE1, EV_MAC, run_id, sounds=0), 0.51)
    assert phase(ev) == "sounding" and ev.bytes_to_send() == []
    ev.receive(ind(EVSE1, EV_MAC, run_id), 0.52)
    assert phase(ev) == "matching"
    out = ev.bytes_to_send()
    assert [f[15:17] for f in out] == [b"\x6f\x60", b"\x7c\x60"]
    # MATCH.CNF from another EVSE or for another PEV MAC: ignored
    for src, pev in ((EVSE2, EV_MAC), (EVSE1, foreign)):
        ev.receive(
            build(
                "CM_SLAC_MATCH.CNF", EV_MAC, src, mvf_length=0x56, pev_mac=pev, evse_mac=src,
                run_id=run_id, nid=NID, nmk=bytes(16),
            ),
            0.53,
        )
    assert phase(ev) == "matching"


def test_late_atten_char_ind_is_answered_but_not_considered() -> None:
    late = FakeEvse(EVSE2, 2, ind_delay=1.5)
    _, world = make(SlacConfig(), FakeEvse(EVSE1, 20), late)
    result = matched(world.run(20.0))
    assert result.evse_mac == EVSE1 and EVSE2 not in result.attenuation_db
    rsp = [m.dst for _, m in world.sent if m.name == "CM_ATTEN_CHAR.RSP"]
    assert EVSE2 in rsp


def test_malformed_and_truncated_frames_are_counted_and_change_nothing() -> None:
    ev, world = make(None, FakeEvse(EVSE1, 10))
    world.run(0.1)
    phase, deadline = ev.phase, ev.timer()
    while ev.next_event() is not None:
        pass
    good = build("CM_SLAC_PARM.CNF", EV_MAC, EVSE1, forwarding_sta=EV_MAC, run_id=bytes(8))
    bads = (good[:20], b"", b"\x00" * 13, bytes(12) + b"\x88\xe1\x05" + bytes(50))
    for count, bad in enumerate(bads, 1):
        with pytest.raises(FrameError):
            parse(bad)  # the codec refuses it with a typed error ...
        ev.receive(bad, 0.11)  # ... the state machine ignores it and counts it
        assert ev.malformed_frames == count
        assert ev.phase is phase and ev.timer() == deadline and ev.bytes_to_send() == []
        event = ev.next_event()
        assert isinstance(event, Progress) and "ignored malformed frame" in event.detail
    # unknown MMTYPE and other ethertypes addressed to nobody: silently ignored, not counted
    ev.receive(bytes(12) + b"\x88\xe1\x01\x00\x80" + bytes(50), 0.11)
    assert ev.phase is phase and ev.malformed_frames == len(bads) and ev.next_event() is None


def test_receive_random_frames_never_crashes() -> None:
    gen = random.Random(7)
    ev, world = make(None, FakeEvse(EVSE1, 10))
    world.run(0.15)
    for _ in range(2000):
        frame = bytearray(
            build(
                "CM_ATTEN_CHAR.IND", EV_MAC, EVSE1, source_address=EV_MAC, run_id=bytes(8),
                num_sounds=3, aag=[1] * 58,
            )
        )
        for _ in range(gen.randrange(1, 6)):
            frame[gen.randrange(len(frame))] = gen.randrange(256)
        ev.receive(bytes(frame[: gen.randrange(len(frame) + 1)]), 0.16)
    assert ev.malformed_frames > 0
    assert matched(world.run(20.0)).evse_mac == EVSE1


def test_timer_limits_give_up_after_matching_repetition() -> None:
    ev, world = make(None, FakeEvse(EVSE1, 10, answer_parm=False))
    events = world.run(30.0)
    failed = [e for e in events if isinstance(e, Failed)]
    assert len(failed) == 1 and "no CM_SLAC_PARM.CNF" in failed[0].reason
    assert failed[0].at <= 10.0 and ev.phase is Phase.FAILED and ev.timer() is None
    # each attempt: leave key (~1 ms) + 3 PARM.REQ 200 ms apart + 200 ms, then 400 ms pause
    assert failed[0].attempts == 10
    with pytest.raises(SlacError):
        raise failed[0].error()


def test_link_must_come_up_within_tt_match_join() -> None:
    _, world = make(None, FakeEvse(EVSE1, 10), modem=FakeModem(link_after=1000.0))
    events = world.run(30.0)
    progress = [e.detail for e in events if isinstance(e, Progress)]
    assert any("TT_match_join" in d for d in progress)
    polls = [t for t, m in world.sent if m.name == "VS_PL_LINK_STATUS.REQ"]
    assert 110 <= len(polls) <= 125  # every 100 ms for 12 s
    assert isinstance(events[-1], Failed) and "TT_match_join" in events[-1].reason


def test_link_detected_by_nw_info() -> None:
    _, world = make(SlacConfig(link_check="nw_info"), FakeEvse(EVSE1, 10))
    result = matched(world.run(20.0))
    assert "VS_NW_INFO.REQ" in world.sent_names() and result.duration_ms > result.match_ms


def test_attenuation_threshold() -> None:
    _ev, world = make(SlacConfig(max_attenuation_db=40), FakeEvse(EVSE1, 45), FakeEvse(EVSE2, 38))
    assert matched(world.run(20.0)).evse_mac == EVSE2
    _, world = make(SlacConfig(max_attenuation_db=40), FakeEvse(EVSE1, 45))
    events = world.run(30.0)
    assert isinstance(events[-1], Failed) and "above 40" in events[-1].reason


def test_validate_and_amp_map_options() -> None:
    config = SlacConfig(validate=True, amp_map=bytes(459), amp_map_carriers=917)
    _, world = make(config, FakeEvse(EVSE1, 10))
    result = matched(world.run(20.0))
    names = world.sent_names()
    assert names.count("CM_VALIDATE.REQ") == 2 and names.index("CM_VALIDATE.REQ") < names.index(
        "CM_SLAC_MATCH.REQ"
    )
    assert any(isinstance(e, ValidateToggle) for e in world.events)
    amp = [m for _, m in world.sent if m.name == "CM_AMP_MAP.REQ"]
    assert amp[0]["amlen"] == 917 and amp[0].dst == EVSE1 and result.evse_mac == EVSE1


def test_answers_amp_map_from_evse_and_rejects_double_start() -> None:
    ev, world = make(None, FakeEvse(EVSE1, 10))
    matched(world.run(20.0))
    ev.receive(build("CM_AMP_MAP.REQ", EV_MAC, EVSE1, amdata=bytes(4)), 21.0)
    out = ev.bytes_to_send()
    assert len(out) == 1 and out[0][15:17] == b"\x1d\x60" and out[0][0:6] == EVSE1
    ev2 = SlacEv(EV_MAC, rng_from(3))
    ev2.start(0.0)
    with pytest.raises(SlacError):
        ev2.start(0.1)
    with pytest.raises(SlacError):
        SlacEv(b"\x00", rng_from(3))


def test_matched_to_dict() -> None:
    _, world = make(None, FakeEvse(EVSE1, 10))
    data = matched(world.run(20.0)).to_dict()
    assert data["evse_mac"] == "02:00:00:00:5e:01" and data["nid"] == NID.hex()
    assert data["attenuation_db"] == {"02:00:00:00:5e:01": 10.0} and data["duration_ms"] > 0


def test_silent_local_modem_leave_key_is_retried_then_the_attempt_restarts() -> None:
    _, world = make(None, FakeEvse(EVSE1, 10), modem=FakeModem(answer=False))
    world.run(1.1)
    keys = [t for t, m in world.sent if m.name == "CM_SET_KEY.REQ"]
    # C_EV_match_retry (2) resends TT_match_response (200 ms) apart, give up after another
    # 200 ms, then TT_matching_rate (400 ms) before the next attempt's leave key.
    assert keys == pytest.approx([0.0, 0.2, 0.4, 1.0])
    assert any(isinstance(e, Progress) and "does not answer CM_SET_KEY.REQ" in e.detail
               for e in world.events)
    assert not any(m.name == "CM_SLAC_PARM.REQ" for _, m in world.sent)


def _join_keys(world: World) -> list[tuple[float, Mme]]:
    """CM_SET_KEY.REQ frames that carry a NID: the join, not the leave key."""
    return [(t, m) for t, m in world.sent if m.name == "CM_SET_KEY.REQ" and m["nid"] != bytes(7)]


def test_join_set_key_is_retried_when_the_local_modem_misses_the_first() -> None:
    modem = FakeModem(ignore_join_keys=1)
    ev, world = make(None, FakeEvse(EVSE1, 10), modem=modem)
    result = matched(world.run(20.0))
    assert result.attempts == 1 and result.nid == NID and ev.phase is Phase.MATCHED
    match_cnf_at = next(e.at for e in world.events
                        if isinstance(e, Progress) and "CM_SLAC_MATCH.CNF" in e.detail)
    keys = _join_keys(world)
    assert [t - match_cnf_at for t, _ in keys] == pytest.approx([0.0, 0.2])  # TT_match_response
    assert all(m["nid"] == NID and m["new_key"] == modem.nmk for _, m in keys)
    assert keys[0][1]["my_nonce"] != keys[1][1]["my_nonce"]
    assert any(isinstance(e, Progress) and "no CM_SET_KEY.CNF for the AVLN key, retry 1"
               in e.detail for e in world.events)
    # the link is polled only once the modem holds the key, and the match needed no restart
    polls = [t for t, m in world.sent if m.name == "VS_PL_LINK_STATUS.REQ"]
    assert polls and polls[0] >= keys[1][0]
    assert world.sent_names().count("CM_SLAC_PARM.REQ") == 1


def test_join_set_key_unanswered_fails_with_a_clear_reason() -> None:
    ev, world = make(None, FakeEvse(EVSE1, 10), modem=FakeModem(ignore_join_keys=10**6))
    events = world.run(30.0)
    failed = [e for e in events if isinstance(e, Failed)]
    assert len(failed) == 1 and events[-1] is failed[0]
    assert "does not answer CM_SET_KEY.REQ with the AVLN key" in failed[0].reason
    assert NID.hex() in failed[0].reason
    assert ev.phase is Phase.FAILED and ev.timer() is None
    # restart rules: every attempt starts within TT_matching_repetition (10 s), none after
    leaves = [t for t, m in world.sent if m.name == "CM_SET_KEY.REQ" and m["nid"] == bytes(7)]
    assert len(leaves) == failed[0].attempts and leaves[-1] < 10.0 <= failed[0].at
    assert world.sent[-1][0] <= failed[0].at
    assert "VS_PL_LINK_STATUS.REQ" not in world.sent_names()
    # every attempt: the join key once plus C_EV_match_retry (2) resends 200 ms apart
    keys = [t for t, _ in _join_keys(world)]
    matches = world.sent_names().count("CM_SLAC_MATCH.REQ")
    assert matches == failed[0].attempts >= 2 and len(keys) == 3 * matches
    for first in range(0, len(keys), 3):
        assert [t - keys[first] for t in keys[first:first + 3]] == pytest.approx([0.0, 0.2, 0.4])
    with pytest.raises(SlacError, match="AVLN key"):
        raise failed[0].error()


def _hostile_frames(gen: random.Random) -> list[bytes]:
    """What a broken or hostile station on the line might send the EV."""
    stranger = EVSE2
    parm = build("CM_SLAC_PARM.CNF", EV_MAC, stranger, forwarding_sta=EV_MAC, run_id=b"x" * 8)
    ind = build("CM_ATTEN_CHAR.IND", EV_MAC, stranger, source_address=EV_MAC, run_id=b"x" * 8,
                num_sounds=10, aag=[0] * 58)
    match = build("CM_SLAC_MATCH.CNF", EV_MAC, stranger, mvf_length=0x56, pev_mac=EV_MAC,
                  evse_mac=stranger, run_id=b"x" * 8, nid=bytes(7), nmk=bytes(16))
    return [
        parm, ind, match, parm[:23], ind[:40], match[:30], b"", b"\xff" * 14,
        build("CM_VALIDATE.CNF", EV_MAC, stranger, toggle_num=0, result=4),
        build("CM_AMP_MAP.CNF", EV_MAC, stranger, res_type=1),
        bytes(gen.getrandbits(8) for _ in range(gen.randrange(60))),
    ]


def test_a_hostile_peer_cannot_derail_matching_nor_make_the_core_raise() -> None:
    gen = random.Random(11)
    hostile = _hostile_frames(gen)
    ev = SlacEv(EV_MAC, rng_from(1))
    world = World(ev, [FakeEvse(EVSE1, 20)], FakeModem(),
                  inject=[(i * 0.004, hostile[i % len(hostile)]) for i in range(700)])
    ev.start(0.0)
    result = matched(world.run(20.0))  # receive() never raised on the way
    assert result.evse_mac == EVSE1 and result.nid == NID and result.attempts == 1
    assert result.attenuation_db == {EVSE1: 20.0}
    assert ev.malformed_frames >= 4 * 700 // len(hostile)
    assert not any(m.dst == EVSE2 for _, m in world.sent)  # nothing was said to the stranger


def test_a_stalled_peer_ends_in_one_failure_with_no_timer_left() -> None:
    stalled = FakeEvse(EVSE1, 10, drop={"atten_ind": 10**6})  # answers PARM, then nothing
    ev, world = make(None, stalled)
    events = world.run(60.0)
    failed = [e for e in events if isinstance(e, Failed)]
    assert len(failed) == 1 and events[-1] is failed[0]
    assert failed[0].reason == "no CM_ATTEN_CHAR.IND within TT_EV_atten_results"
    assert failed[0].attempts >= 2 and failed[0].at <= 10.0 + 2.0
    assert ev.phase is Phase.FAILED and ev.timer() is None and ev.bytes_to_send() == []
    assert world.sent[-1][0] <= failed[0].at and not any(isinstance(e, Matched) for e in events)
    # each attempt waited TT_EV_atten_results (1.2 s) after its first sound batch
    starts = [t for t, m in world.sent if m.name == "CM_SLAC_PARM.REQ"]
    assert len(starts) == failed[0].attempts
