"""Simulated chargers for the bench, the demo and the tests.

``slac`` holds the SLAC side of a simulated EVSE; the bench charger (SECC simulator with
faults) joins it here.
"""
