"""Why a session ended: one stable, machine-readable name per cause (the CLI's ``stop_reason``)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["StopReason"]


class StopReason(StrEnum):
    """Every way a session can end. Values are part of the CLI's JSON contract."""

    # normal ends
    FINISHED = "finished"  # SessionStopRes received after a terminate request
    PAUSED = "paused"  # SessionStopRes received after a pause request
    # the car
    ABORTED = "aborted"  # the vehicle or the runtime stopped the session (CP state A, ...)
    # handshake
    NO_COMMON_PROTOCOL = "sap_no_common_protocol"
    SAP_SCHEMA_UNKNOWN = "sap_schema_id_not_offered"
    # transport and framing
    PEER_CLOSED = "peer_closed"
    BAD_FRAMING = "v2gtp_error"
    BAD_PAYLOAD_TYPE = "v2gtp_payload_type"
    BAD_EXI = "exi_decode_error"
    ENCODE_ERROR = "exi_encode_error"
    # message checks
    UNEXPECTED_MESSAGE = "unexpected_message"
    UNSOLICITED_MESSAGE = "unsolicited_message"
    WRONG_SESSION_ID = "wrong_session_id"
    RESPONSE_FAILED = "response_code_failed"
    INVALID_RESPONSE = "invalid_response"
    # timers
    MSG_TIMEOUT = "timeout_message"
    COMMUNICATION_SETUP_TIMEOUT = "timeout_communication_setup"
    ONGOING_TIMEOUT = "timeout_ongoing"
    CABLE_CHECK_TIMEOUT = "timeout_cable_check"
    PRE_CHARGE_TIMEOUT = "timeout_pre_charge"
    # charger decisions
    EVSE_EMERGENCY_SHUTDOWN = "evse_emergency_shutdown"
    EVSE_NOT_READY = "evse_not_ready"
    NO_USABLE_SERVICE = "no_usable_service"
    NO_USABLE_SCHEDULE = "no_usable_schedule"
    INTERNAL_ERROR = "internal_error"

    @property
    def ok(self) -> bool:
        """True for the ends that are a normal SessionStop."""
        return self in (StopReason.FINISHED, StopReason.PAUSED)
