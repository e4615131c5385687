"""Hardware platform of the EVCC: control pilot, PLC modem, vehicle bus, simulators.

``cp`` (ControlPilot interface + simulated backend), ``plc`` (PlcModem over AF_PACKET),
``board`` (TOML board files), ``sim`` (Green PHY modem + powerline emulator).
"""
