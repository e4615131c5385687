"""Sans-IO V2G client sessions: SupportedAppProtocol, then DIN SPEC 70121, ISO 15118-2 or -20.

:class:`evcc.session.core.SessionCore` owns what every message shares (framing, one
outstanding request, the response type, session id and response code checks, the EV timers);
protocol folders hold one module per request/response pair that builds its request and maps
its response to the next :mod:`~evcc.session.steps` step.
"""
