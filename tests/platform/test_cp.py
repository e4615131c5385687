"""Control pilot interface and its simulated backend."""

from __future__ import annotations

import pytest
from evcc_platform.cp import (
    ControlPilot,
    CpState,
    SimulatedControlPilot,
    digital_communication_requested,
)
from evcc_platform.errors import PlatformError


def test_states_follow_plug_s2_and_evse_signals() -> None:
    cp = SimulatedControlPilot()
    assert isinstance(cp, ControlPilot)
    assert cp.state() is CpState.A and cp.duty_cycle() is None
    cp.plug()
    assert cp.state() is CpState.B
    cp.set_pwm(5.0)
    assert cp.duty_cycle() == 5.0 and digital_communication_requested(cp.duty_cycle())
    cp.set_s2(True)
    assert cp.state() is CpState.C and cp.s2_closed()
    cp.require_ventilation()
    assert cp.state() is CpState.D
    cp.set_error()
    assert cp.state() is CpState.E and cp.duty_cycle() is None
    cp.set_error(False)
    cp.set_unavailable()
    assert cp.state() is CpState.F
    cp.set_unavailable(False)
    cp.plug(False)
    assert cp.state() is CpState.A and cp.duty_cycle() is None


def test_duty_cycle_limits() -> None:
    cp = SimulatedControlPilot()
    for bad in (0.0, -1.0, 100.5):
        with pytest.raises(PlatformError):
            cp.set_pwm(bad)
    assert not digital_communication_requested(None)
    assert not digital_communication_requested(10.0)
    assert digital_communication_requested(3.0) and digital_communication_requested(7.0)
