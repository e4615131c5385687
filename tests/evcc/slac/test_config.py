"""SlacConfig: range checks and the merge of a board file with explicit overrides."""

from __future__ import annotations

import pytest
from evcc_platform.board import parse_board

from evcc.slac import constants as k
from evcc.slac.config import SlacConfig, SlacConfigError

BOARD = parse_board("""
[board]
name = "t"
[modem]
interface = "ev0"
mac = "00:b0:52:aa:bb:cc"
[slac]
max_attenuation_db = 40.0
link_check = "nw_info"
leave_network = false
""")


def test_without_a_board_or_overrides_the_defaults_hold() -> None:
    config = SlacConfig.from_board(None)
    assert config == SlacConfig()
    assert config.modem_mac == k.MODEM_MGMT_MAC and config.timings == k.SlacTimings()


def test_the_board_gives_the_values_and_overrides_win() -> None:
    config = SlacConfig.from_board(BOARD)
    assert config.max_attenuation_db == 40.0 and config.link_check == "nw_info"
    assert config.leave_network is False and config.modem_mac == bytes.fromhex("00b052aabbcc")
    config = SlacConfig.from_board(
        BOARD, max_attenuation_db=20.0, link_check="none", leave_network=True,
        early_decision=False, validate=True, batch_interval_ms=35.0, modem_mac="02:00:00:00:00:01",
    )
    assert config.max_attenuation_db == 20.0 and config.link_check == "none"
    assert config.leave_network and not config.early_decision and config.validate
    assert config.timings.tp_ev_batch_msg_interval == pytest.approx(0.035)
    assert config.modem_mac == bytes.fromhex("020000000001")


@pytest.mark.parametrize(("overrides", "setting", "text"), [
    ({"max_attenuation_db": -5.0}, "max_attenuation_db", "0..255 dB"),
    ({"max_attenuation_db": 256.0}, "max_attenuation_db", "0..255 dB"),
    ({"max_attenuation_db": float("nan")}, "max_attenuation_db", "0..255 dB"),
    ({"link_check": "ping"}, "link_check", "link_status, nw_info, none"),
    ({"batch_interval_ms": 19.9}, "batch_interval", "(20..50 ms)"),
    ({"batch_interval_ms": 51.0}, "batch_interval", "(20..50 ms)"),
    ({"batch_interval_ms": float("inf")}, "batch_interval", "milliseconds"),
    ({"modem_mac": "00:b0:52"}, "modem_mac", "not a MAC address"),
])
def test_out_of_range_settings_are_refused_by_name(
    overrides: dict[str, object], setting: str, text: str
) -> None:
    with pytest.raises(SlacConfigError) as caught:
        SlacConfig.from_board(BOARD, **overrides)  # type: ignore[arg-type]
    assert caught.value.setting == setting and text in str(caught.value)


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(SlacConfigError):
        SlacConfig(link_check="maybe")
    with pytest.raises(SlacConfigError):
        SlacConfig(modem_mac=b"\x00")
