"""MME codec: byte layouts from the reference, round trips, padding, typed errors."""

from __future__ import annotations

import pytest

from evcc.errors import FrameError
from evcc.slac import constants as k
from evcc.slac.mme import NAMES, UnknownMmeError, build, parse, parse_mac
from evcc.slac.nid import nid_from_nmk

EV = bytes.fromhex("020000000e01")
EVSE = bytes.fromhex("020000005e01")
RUN = bytes.fromhex("0102030405060708")


@pytest.mark.parametrize(
    ("nmk", "nid"),
    [
        ("B59319D7E8157BA001B018669CCEE30D", "026BCBA5354E08"),
        ("50D3E4933F855B7040784DF815AA8DB7", "B0F2E695666B03"),
    ],
)
def test_nid_check_values(nmk: str, nid: str) -> None:
    assert nid_from_nmk(bytes.fromhex(nmk)) == bytes.fromhex(nid)


def test_nid_rejects_wrong_length() -> None:
    with pytest.raises(FrameError):
        nid_from_nmk(b"short")


SAMPLES: dict[str, dict[str, object]] = {
    "CM_SET_KEY.REQ": {"nid": bytes(7), "new_key": bytes(range(16))},
    "CM_SET_KEY.CNF": {"result": 1},
    "CM_GET_KEY.REQ": {},
    "CM_GET_KEY.CNF": {"result": 0, "nid": bytes(7), "key": b"k" * 16},
    "CM_AMP_MAP.REQ": {"amlen": 917, "amdata": bytes(459)},
    "CM_AMP_MAP.CNF": {"res_type": 0},
    "CM_SLAC_PARM.REQ": {"run_id": RUN},
    "CM_SLAC_PARM.CNF": {"forwarding_sta": EV, "run_id": RUN},
    "CM_START_ATTEN_CHAR.IND": {"forwarding_sta": EV, "run_id": RUN},
    "CM_ATTEN_CHAR.IND": {
        "source_address": EV, "run_id": RUN, "num_sounds": 10, "aag": list(range(58)),
    },
    "CM_ATTEN_CHAR.RSP": {"source_address": EV, "run_id": RUN},
    "CM_MNBC_SOUND.IND": {"cnt": 9, "run_id": RUN, "rnd": bytes(16)},
    "CM_VALIDATE.REQ": {},
    "CM_VALIDATE.CNF": {"result": 4},
    "CM_SLAC_MATCH.REQ": {"mvf_length": 0x3E, "pev_mac": EV, "evse_mac": EVSE, "run_id": RUN},
    "CM_SLAC_MATCH.CNF": {
        "mvf_length": 0x56, "pev_mac": EV, "evse_mac": EVSE, "run_id": RUN,
        "nid": bytes(7), "nmk": bytes(16),
    },
    "CM_ATTEN_PROFILE.IND": {"pev_mac": EV, "aag": [20] * 58},
    "VS_SW_VER.REQ": {},
    "VS_SW_VER.CNF": {"version": "MAC-QCA7000-1.1.0.730"},
    "VS_RS_DEV.REQ": {},
    "VS_RS_DEV.CNF": {},
    "VS_NW_INFO.REQ": {},
    "VS_NW_INFO.CNF": {"networks": [{"nid": bytes(7), "stations": [{"mac": EVSE, "tei": 2}]}]},
    "VS_PL_LINK_STATUS.REQ": {},
    "VS_PL_LINK_STATUS.CNF": {"link_status": 1},
}


def test_every_message_builds_and_parses_and_is_padded() -> None:
    assert set(SAMPLES) == set(NAMES)
    for name, fields in SAMPLES.items():
        frame = build(name, EVSE, EV, fields)
        assert len(frame) >= k.MIN_FRAME_LEN, name
        msg = parse(frame)
        assert msg.name == name and msg.src == EV and msg.dst == EVSE
        for key, value in fields.items():
            if key != "networks":
                assert msg[key] == value, (name, key)
        assert build(name, EVSE, EV, msg.fields) == frame, name
    info = parse(build("VS_NW_INFO.CNF", EV, EVSE, SAMPLES["VS_NW_INFO.CNF"]))
    assert info["networks"][0]["stations"][0]["mac"] == EVSE


def test_frame_offsets_match_reference_layouts() -> None:
    parm = build("CM_SLAC_PARM.REQ", k.BROADCAST_MAC, EV, run_id=RUN)
    assert parm[12:14] == b"\x88\xe1" and parm[14] == 1
    assert parm[15:17] == b"\x64\x60" and parm[21:29] == RUN and len(parm) == 60
    cnf = build("CM_SLAC_PARM.CNF", EV, EVSE, forwarding_sta=EV, run_id=RUN)
    assert cnf[19:25] == b"\xff" * 6 and cnf[25] == 10 and cnf[26] == 6 and cnf[27] == 1
    assert cnf[28:34] == EV and cnf[36:44] == RUN
    sound = build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=3, run_id=RUN, rnd=b"r" * 16)
    assert len(sound) == 71 and sound[38] == 3 and sound[39:47] == RUN and sound[55:71] == b"r" * 16
    ind = build(
        "CM_ATTEN_CHAR.IND", EV, EVSE, source_address=EV, run_id=RUN, num_sounds=9, aag=[7] * 58
    )
    assert len(ind) == 129 and ind[21:27] == EV and ind[27:35] == RUN and ind[69] == 9
    assert ind[70] == 58 and ind[71:129] == b"\x07" * 58
    rsp = build("CM_ATTEN_CHAR.RSP", EVSE, EV, source_address=EV, run_id=RUN)
    assert len(rsp) == 70 and rsp[69] == 0
    req = build(
        "CM_SLAC_MATCH.REQ", EVSE, EV, mvf_length=0x3E, pev_mac=EV, evse_mac=EVSE, run_id=RUN
    )
    assert len(req) == 85 and req[21:23] == b"\x3e\x00" and req[40:46] == EV
    assert req[63:69] == EVSE and req[69:77] == RUN
    mcnf = build(
        "CM_SLAC_MATCH.CNF", EV, EVSE, mvf_length=0x56, pev_mac=EV, evse_mac=EVSE,
        run_id=RUN, nid=b"N" * 7, nmk=b"K" * 16,
    )
    assert len(mcnf) == 109 and mcnf[85:92] == b"N" * 7 and mcnf[93:109] == b"K" * 16
    key = build("CM_SET_KEY.REQ", k.MODEM_MGMT_MAC, EV, nid=b"N" * 7, new_key=b"K" * 16)
    assert key[15:17] == b"\x08\x60" and key[19] == 1 and key[28] == 4
    assert key[33:40] == b"N" * 7 and key[40] == 1 and key[41:57] == b"K" * 16
    kcnf = build("CM_SET_KEY.CNF", EV, k.MODEM_MGMT_MAC, result=1, my_nonce=b"M" * 4, pmn=7)
    assert kcnf[19] == 1 and kcnf[20:24] == b"M" * 4 and kcnf[28] == 4 and kcnf[31] == 7
    gcnf = build("CM_GET_KEY.CNF", EV, k.MODEM_MGMT_MAC, result=0, your_nonce=b"Y" * 4,
                 nid=b"N" * 7, key=b"K" * 16)
    assert gcnf[25:29] == b"Y" * 4 and gcnf[29:36] == b"N" * 7 and gcnf[37] == 4
    assert gcnf[41:57] == b"K" * 16
    vs = build("VS_PL_LINK_STATUS.CNF", EV, k.MODEM_MGMT_MAC, link_status=1)
    assert vs[14] == 0 and vs[15:17] == b"\xb9\xa0" and vs[17:20] == k.QCA_OUI
    assert vs[20] == 0 and vs[21] == 1
    ver = build("VS_SW_VER.CNF", EV, k.MODEM_MGMT_MAC, version="abc")
    assert ver[22] == 3 and ver[23:26] == b"abc"


def test_vs_nw_info_mmv1_layout_parses() -> None:
    frame = build("VS_NW_INFO.CNF", EV, k.MODEM_MGMT_MAC, mmv=1, networks=[])
    assert frame[14] == 1 and frame[19:22] == k.QCA_OUI
    assert parse(frame).mmv == 1 and parse(frame)["networks"] == []


def test_short_open_plc_utils_sound_is_accepted() -> None:
    frame = build("CM_MNBC_SOUND.IND", k.BROADCAST_MAC, EV, cnt=0, run_id=RUN, rnd=bytes(16))
    short = frame[:47] + b"x" * 17
    assert parse(short)["rnd"] == b"x" * 17


WITH_PAYLOAD = sorted(n for n in NAMES if not n.startswith("VS_") or n.endswith(".CNF"))


@pytest.mark.parametrize("name", WITH_PAYLOAD)
def test_truncated_frames_raise_frame_error(name: str) -> None:
    frame = build(name, EVSE, EV, SAMPLES[name])
    code = NAMES[name]
    start = 20 if k.is_vendor(code) else 19
    with pytest.raises(FrameError):
        parse(frame[:start])
    with pytest.raises(FrameError):
        parse(frame[: start - 1])


def test_errors_are_typed() -> None:
    with pytest.raises(FrameError, match="shorter"):
        parse(b"\x00" * 10)
    with pytest.raises(FrameError, match="ethertype"):
        parse(bytes(12) + b"\x08\x00" + bytes(50))
    with pytest.raises(UnknownMmeError):
        parse(bytes(12) + b"\x88\xe1\x01\x34\x12" + bytes(50))
    bad_oui = bytearray(build("VS_SW_VER.REQ", EV, EV))
    bad_oui[17] = 0x11
    with pytest.raises(FrameError, match="OUI"):
        parse(bytes(bad_oui))
    with pytest.raises(FrameError, match="MMV"):
        parse(bytes(12) + b"\x88\xe1\x07\x64\x60" + bytes(50))
    with pytest.raises(FrameError):
        build("CM_SLAC_PARM.REQ", EV, EV, run_id=b"short")
    with pytest.raises(FrameError):
        parse_mac("zz:zz")
    assert parse_mac("02:00:00:00:0e:01") == EV
