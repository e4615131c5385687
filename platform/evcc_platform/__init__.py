"""Hardware platform of the EVCC: control pilot, PLC modem, vehicle bus, simulators."""
