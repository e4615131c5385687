"""ISO-2 SAScheduleTuple choice and the ChargingProfile the EV sends in PowerDeliveryReq(Start)."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session.iso2.values import pv, read

__all__ = ["MAX_PROFILE_ENTRIES", "charging_profile", "choose"]

MAX_PROFILE_ENTRIES = 24  # ChargingProfile ProfileEntry maxOccurs


def choose(schedules: iso2.SAScheduleListType) -> tuple[int, list[tuple[int, float]]] | None:
    """The tuple the EV takes (the first, as the SECC orders them) and its PMax steps.

    None when no tuple has a usable PMaxSchedule (entries with relative start times in
    ascending order, the first at 0).
    """
    for pick in schedules.sa_schedule_tuple or []:
        steps: list[tuple[int, float]] = []
        entries = pick.pmax_schedule.pmax_schedule_entry or []
        for index, entry in enumerate(entries):
            interval = entry.time_interval
            if not isinstance(interval, iso2.RelativeTimeIntervalType):
                break
            steps.append((interval.start, read(entry.pmax)))
            if interval.duration is not None and index == len(entries) - 1:
                steps.append((interval.start + interval.duration, 0.0))
        starts = [s for s, _ in steps]
        if steps and starts[0] == 0 and starts == sorted(set(starts)):
            return pick.sa_schedule_tuple_id, steps
    return None


def charging_profile(
    steps: list[tuple[int, float]], ev_max_power: float
) -> iso2.ChargingProfileType:
    """One ProfileEntry per PMax step, each within both the charger's PMax and the EV's limit."""
    entries = [
        iso2.ProfileEntryType(
            charging_profile_entry_start=start,
            charging_profile_entry_max_power=pv(min(pmax, ev_max_power), iso2.UnitSymbolType.W),
        )
        for start, pmax in steps[:MAX_PROFILE_ENTRIES]
    ]
    return iso2.ChargingProfileType(profile_entry=entries)
