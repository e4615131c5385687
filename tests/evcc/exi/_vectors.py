"""Locate and load the shared EXI vectors (``../shared/vectors`` or ``$EVCC_VECTORS``)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]

SCHEMA_GRAMMAR = {
    "app_protocol/V2G_CI_AppProtocol.xsd": "app",
    "din70121/V2G_CI_MsgDef.xsd": "din",
    "iso15118_2/V2G_CI_MsgDef.xsd": "iso2",
    "iso15118_20/V2G_CI_CommonMessages.xsd": "iso20-common",
    "iso15118_20/V2G_CI_AC.xsd": "iso20-ac",
    "iso15118_20/V2G_CI_DC.xsd": "iso20-dc",
    "iso15118_20/V2G_CI_WPT.xsd": "iso20-wpt",
    "iso15118_20/V2G_CI_ACDP.xsd": "iso20-acdp",
    "xmldsig/xmldsig-core-schema.xsd": "xmldsig",
}
NS_GRAMMAR = {
    "SAP": "app",
    "DIN_MSG_DEF": "din",
    "ISO_V2_MSG_DEF": "iso2",
    "ISO_V20_COMMON_MSG": "iso20-common",
    "ISO_V20_AC": "iso20-ac",
    "ISO_V20_DC": "iso20-dc",
    "XML_DSIG": "xmldsig",
}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def vectors_dir() -> Path | None:
    env = os.environ.get("EVCC_VECTORS")
    path = Path(env) if env else REPO.parent / "shared" / "vectors"
    return path if (path / "exi_vectors.json").is_file() else None


def fixtures_dir() -> Path | None:
    path = REPO.parent / "shared" / "fixtures" / "opcp_certificate_installation"
    return path if (path / "res.exi.bin").is_file() else None


def need_vectors() -> Path:
    path = vectors_dir()
    if path is None:
        print("EXI vectors not found: set EVCC_VECTORS or provide ../shared/vectors")
        pytest.skip("EXI vectors absent (../shared/vectors or $EVCC_VECTORS)")
    return path


@cache
def exi_vectors() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (need_vectors() / "exi_vectors.json").read_text(encoding="utf-8"))
    return data


@cache
def josev_rows() -> list[dict[str, Any]]:
    text = (need_vectors() / "josev_sessions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def canonical(xml: str) -> Any:
    """Canonical form for comparing XML from different serialisers.

    Namespace prefixes and declarations are dropped (names compare as {uri}local), attributes
    compare as a set, text is compared after stripping surrounding whitespace, and the value
    of xsi:type compares by local name (its prefix is serialiser-specific).
    """

    def walk(e: ET.Element) -> Any:
        attrs = {}
        for k, v in e.attrib.items():
            attrs[k] = v.rsplit(":", 1)[-1].rsplit("}", 1)[-1] if k == XSI_TYPE else v
        return (e.tag, tuple(sorted(attrs.items())), (e.text or "").strip(),
                tuple(walk(c) for c in e))

    return walk(ET.fromstring(xml))
