"""A short run of the session fuzz campaign (the long one is a command, see its docstring)."""

from __future__ import annotations

from tests.evcc.session.fuzz_campaign import campaign


def test_short_campaign_ends_every_session_once() -> None:
    reasons = campaign(responses=1500, seed=3)
    fed = reasons.pop("__responses__")
    assert fed >= 1500
    assert sum(reasons.values()) > 10
    assert len(reasons) > 3  # several different stop reasons were reached
