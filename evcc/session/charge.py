"""What DIN and ISO-2 sessions share about charging: the context, the charger's status verdict,
PreCharge and charge-loop decisions. Pure functions of values, tested once for both."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from evcc.session.config import ChargeConfig
from evcc.session.protocol import Context, StopRequest
from evcc.session.reasons import StopReason
from evcc.session.steps import Finish
from evcc.session.vehicle import Vehicle, VehicleStatus

__all__ = ["ChargeContext", "Verdict", "evse_verdict", "loop_stop", "pre_charge_done"]


class Verdict(Enum):
    """What the charger's status means for the EV."""

    GO_ON = "go_on"
    NOT_READY = "not_ready"  # wait (e.g. isolation monitoring during CableCheck)
    STOP = "stop"  # the charger asks to stop: end charging normally
    RENEGOTIATE = "renegotiate"
    EMERGENCY = "emergency"  # stop at once


_EMERGENCY_CODES = frozenset({"EVSE_EmergencyShutdown", "EVSE_Malfunction",
                              "EVSE_UtilityInterruptEvent"})
_NOT_READY_CODES = frozenset({"EVSE_NotReady", "EVSE_IsolationMonitoringActive"})


def evse_verdict(notification: str, status_code: str | None = None,
                 isolation: str | None = None) -> Verdict:
    """Verdict from EVSENotification, the DC EVSEStatusCode and the isolation status."""
    if status_code in _EMERGENCY_CODES or isolation == "Fault":
        return Verdict.EMERGENCY
    if notification == "StopCharging" or status_code == "EVSE_Shutdown":
        return Verdict.STOP
    if notification == "ReNegotiation":
        return Verdict.RENEGOTIATE
    if status_code in _NOT_READY_CODES:
        return Verdict.NOT_READY
    return Verdict.GO_ON


def pre_charge_done(present: float, target: float, tolerance: float) -> bool:
    """Is the charger's output close enough to the battery to close the contactors?"""
    return abs(present - target) <= tolerance


@dataclass
class ChargeContext(Context):
    """Session state shared by the DIN and ISO-2 state modules."""

    vehicle: Vehicle | None = None
    config: ChargeConfig = field(default_factory=ChargeConfig)
    service_id: int = 1
    schedule_id: int = 1
    evse_max_current: float | None = None
    present_voltage: float = 0.0
    present_current: float = 0.0
    pre_charge_rounds: int = 0
    loop_count: int = 0
    loop_started: float | None = None
    welding_rounds: int = 0
    renegotiating: bool = False
    ending: tuple[StopReason, str] | None = None  # why charging ends; the first cause wins

    def status(self, now: float) -> VehicleStatus:
        if self.vehicle is None:
            raise ValueError("no vehicle attached to the session")
        return self.vehicle.status(now)

    def end_charging(self, reason: StopReason, detail: str) -> None:
        """Remember why charging ends; the first cause wins."""
        if self.ending is None:
            self.ending = (reason, detail)

    @property
    def emergency(self) -> bool:
        return self.ending is not None and self.ending[0] is StopReason.EVSE_EMERGENCY_SHUTDOWN

    def finish(self) -> Finish:
        """The end of the session once SessionStopRes arrived."""
        reason, detail = self.ending or (StopReason.FINISHED, "SessionStopRes received")
        return Finish(reason, detail)


def loop_stop(ctx: ChargeContext, status: VehicleStatus, now: float) -> str | None:
    """Why the EV leaves the charge loop now, or None to go on."""
    if ctx.stop is StopRequest.PAUSE:
        return "the vehicle asked to pause"
    if ctx.stop is StopRequest.TERMINATE:
        return "the vehicle asked to stop"
    if status.complete:
        return "the battery reached its target"
    if not status.ready or status.error != "NO_ERROR":
        return f"the vehicle is not ready ({status.error})"
    cfg = ctx.config
    why = None
    if cfg.max_loop is not None and ctx.loop_count >= cfg.max_loop:
        why = f"{cfg.max_loop} charge loop messages done"
    elif (cfg.max_charge_time is not None and ctx.loop_started is not None
            and now - ctx.loop_started >= cfg.max_charge_time):
        why = f"charged for {cfg.max_charge_time:g} s"
    if why is not None and cfg.pause_at_end:
        ctx.stop = StopRequest.PAUSE
        why += ", pausing"
    return why
