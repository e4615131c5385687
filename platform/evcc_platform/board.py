"""Board files (TOML): which drivers and interfaces one ECU or bench uses."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evcc_platform.errors import BoardError

CP_DRIVERS = ("sim", "serial", "can")


@dataclass(frozen=True)
class ModemConfig:
    interface: str
    #: Management address of the local modem (QCA default 00:b0:52:00:00:01).
    mac: str = "00:b0:52:00:00:01"


@dataclass(frozen=True)
class ControlPilotConfig:
    driver: str = "sim"
    port: str | None = None
    baudrate: int = 115200
    can_channel: str | None = None


@dataclass(frozen=True)
class CanConfig:
    interface: str = "virtual"
    channel: str = "vehicle"
    bitrate: int = 500000


@dataclass(frozen=True)
class TpmConfig:
    tcti: str = "device:/dev/tpmrm0"


@dataclass(frozen=True)
class SlacBoardConfig:
    max_attenuation_db: float | None = None
    link_check: str = "link_status"
    leave_network: bool = True


@dataclass(frozen=True)
class Board:
    """One board description; see platform/boards/*.toml."""

    name: str
    modem: ModemConfig
    control_pilot: ControlPilotConfig = field(default_factory=ControlPilotConfig)
    can: CanConfig | None = None
    tpm: TpmConfig = field(default_factory=TpmConfig)
    slac: SlacBoardConfig = field(default_factory=SlacBoardConfig)
    description: str = ""


def _table(data: dict[str, Any], key: str, where: str, required: bool = False) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise BoardError(f"{where}: missing [{key}] table")
        return {}
    if not isinstance(value, dict):
        raise BoardError(f"{where}: [{key}] must be a table")
    return value


def _build(cls: type[Any], values: dict[str, Any], where: str) -> Any:
    known = set(cls.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise BoardError(f"{where}: unknown key(s) {', '.join(unknown)}")
    try:
        obj = cls(**values)
    except TypeError as exc:
        raise BoardError(f"{where}: {exc}") from exc
    for name, fdef in cls.__dataclass_fields__.items():
        value = getattr(obj, name)
        expected = fdef.type if isinstance(fdef.type, str) else ""
        if value is None:
            continue
        if expected.startswith("str") and not isinstance(value, str):
            raise BoardError(f"{where}.{name}: expected a string")
        if expected.startswith("int") and (isinstance(value, bool) or not isinstance(value, int)):
            raise BoardError(f"{where}.{name}: expected an integer")
        if expected.startswith("bool") and not isinstance(value, bool):
            raise BoardError(f"{where}.{name}: expected true or false")
        if expected.startswith("float") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise BoardError(f"{where}.{name}: expected a number")
    return obj


_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}")


def parse_board(text: str, where: str = "<board>") -> Board:
    """Parse board TOML text; raises BoardError with the offending key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{where}: not valid TOML ({exc})") from exc
    top = _table(data, "board", where, required=True)
    name = top.get("name")
    if not isinstance(name, str) or not name:
        raise BoardError(f"{where}: [board] needs a non-empty name")
    unknown = sorted(set(data) - {"board", "modem", "control_pilot", "can", "tpm", "slac"})
    if unknown:
        raise BoardError(f"{where}: unknown table(s) {', '.join(unknown)}")
    modem = _build(ModemConfig, _table(data, "modem", where, required=True), f"{where}: modem")
    cp = _build(
        ControlPilotConfig, _table(data, "control_pilot", where), f"{where}: control_pilot"
    )
    if cp.driver not in CP_DRIVERS:
        raise BoardError(f"{where}: control_pilot.driver must be one of {', '.join(CP_DRIVERS)}")
    if cp.driver == "serial" and not cp.port:
        raise BoardError(f"{where}: control_pilot.driver 'serial' needs port")
    can_table = _table(data, "can", where)
    can = _build(CanConfig, can_table, f"{where}: can") if can_table else None
    tpm = _build(TpmConfig, _table(data, "tpm", where), f"{where}: tpm")
    slac = _build(SlacBoardConfig, _table(data, "slac", where), f"{where}: slac")
    if slac.link_check not in ("link_status", "nw_info", "none"):
        raise BoardError(f"{where}: slac.link_check must be link_status, nw_info or none")
    if slac.max_attenuation_db is not None and not 0 <= slac.max_attenuation_db <= 255:
        raise BoardError(f"{where}: slac.max_attenuation_db must be within 0..255 dB")
    if not _MAC.fullmatch(modem.mac):
        raise BoardError(f"{where}: modem.mac {modem.mac!r} is not a MAC address (aa:bb:...)")
    return Board(
        name=name, modem=modem, control_pilot=cp, can=can, tpm=tpm, slac=slac,
        description=str(top.get("description", "")),
    )


def load_board(path: str | Path) -> Board:
    """Read and validate a board file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BoardError(f"{p}: cannot read board file ({exc})") from exc
    return parse_board(text, str(p))
