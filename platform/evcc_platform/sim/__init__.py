"""Simulators of the platform: the Green PHY modem + powerline emulator.

``evcc_platform.sim.powerline`` is the pure core, ``inproc`` wires it into one process for
tests, ``bridge`` runs it between network interfaces (veth ends in namespaces) and ``cli``
is its command line (``python -m evcc_platform.sim``).
"""
