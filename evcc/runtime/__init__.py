"""asyncio drivers: the runtime owns I/O and time, the sans-IO cores own the protocol.

``drive`` runs any core of the shape receive/bytes_to_send/next_event/timer/handle_timer
over a :class:`~evcc.runtime.link.Link`; ``link`` states what a link is; ``packet`` (raw
Ethernet frames on a modem interface), ``inproc`` (the in-process powerline emulator) and
``stream`` (TCP) adapt transports to it; ``slac`` runs the EV's SLAC to a match; ``loop``
is the event loop they run on (``loop.run(main)``).
"""
