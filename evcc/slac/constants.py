"""HomePlug Green PHY / ISO 15118-3 constants: MMTYPEs, addresses, timers (seconds)."""

from __future__ import annotations

from dataclasses import dataclass

ETHERTYPE_HOMEPLUG = 0x88E1
#: the ethertype as it stands in a frame (bytes 12-13)
ETHERTYPE_HOMEPLUG_BYTES = ETHERTYPE_HOMEPLUG.to_bytes(2, "big")
MIN_FRAME_LEN = 60
QCA_OUI = bytes.fromhex("00b052")
#: Address at which the local QCA modem answers management messages.
MODEM_MGMT_MAC = bytes.fromhex("00b052000001")
BROADCAST_MAC = b"\xff" * 6
NUM_GROUPS = 58

# MMTYPE = base | variant
REQ, CNF, IND, RSP = 0, 1, 2, 3

CM_AMP_MAP = 0x601C
CM_SET_KEY = 0x6008
CM_GET_KEY = 0x600C
CM_SLAC_PARM = 0x6064
CM_START_ATTEN_CHAR = 0x6068  # .IND = 0x606A
CM_ATTEN_CHAR = 0x606C  # .IND = 0x606E, .RSP = 0x606F
CM_MNBC_SOUND = 0x6074  # .IND = 0x6076
CM_VALIDATE = 0x6078
CM_SLAC_MATCH = 0x607C
CM_ATTEN_PROFILE = 0x6084  # .IND = 0x6086
VS_SW_VER = 0xA000
VS_RS_DEV = 0xA01C
VS_NW_INFO = 0xA038
VS_PL_LINK_STATUS = 0xA0B8

#: MMTYPEs of the SLAC protocol proper (forwarded by modems while unpaired).
SLAC_MMTYPE_RANGE = range(0x6064, 0x6084)


def is_vendor(mmtype: int) -> bool:
    """True for Qualcomm vendor-specific MMTYPEs (0xA000-0xBFFF)."""
    return 0xA000 <= mmtype <= 0xBFFF


@dataclass(frozen=True)
class SlacTimings:
    """ISO 15118-3 Table A.1 values used by the EV (seconds / counts)."""

    tt_match_response: float = 0.200
    tt_ev_atten_results: float = 1.200
    tt_match_sequence: float = 0.400
    tp_ev_batch_msg_interval: float = 0.020
    tt_match_join: float = 12.0
    tt_matching_rate: float = 0.400
    tt_matching_repetition: float = 10.0
    tt_amp_map_exchange: float = 0.200
    tt_evse_vald_toggle: float = 0.6
    c_ev_match_retry: int = 2
    c_ev_start_atten_char_inds: int = 3
    c_ev_match_mnbc: int = 10
    #: Time-out the EVSE gets for sounding, unit 100 ms (6 = TT_EVSE_match_MNBC 600 ms).
    time_out_code: int = 6
    #: Interval between link polls (VS_PL_LINK_STATUS / VS_NW_INFO) after CM_SET_KEY.
    link_poll_interval: float = 0.100
