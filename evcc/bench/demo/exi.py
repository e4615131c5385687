"""Demo step 4: our EXI codec on the first messages an EV sends, and on a real signed response.

Builds the EV's ``supportedAppProtocolReq`` (ISO 15118-20 DC, ISO 15118-2, DIN SPEC 70121) and
an ISO 15118-2 ``SessionSetupReq``, encodes both, decodes them back and compares. Then it
decodes the public Hubject-QA ``CertificateInstallationRes`` (from the shared fixtures, when
present), re-encodes it byte for byte and verifies its XMLDSig signature with
:mod:`evcc.exi.signing` and the CPS certificate the message carries.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from evcc import exi
from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.report import StepReport
from evcc.bench.demo.slac import EV_MAC
from evcc.exi import signing
from evcc.x509.ecdsa import raw_to_der
from evcc.x509.names import display_name

#: The shared reference fixtures next to a source checkout (absent in an installed wheel).
DEFAULT_FIXTURE_DIR = (Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
                       / "opcp_certificate_installation")

#: What the EV offers in supportedAppProtocolReq: (namespace, major, minor, schema id).
APP_PROTOCOLS: tuple[tuple[str, int, int, int], ...] = (
    ("urn:iso:std:iso:15118:-20:DC", 1, 0, 1),
    ("urn:iso:15118:2:2013:MsgDef", 2, 0, 2),
    ("urn:din:70121:2012:MsgDef", 2, 0, 3),
)


_NS = {
    "app": "urn:iso:15118:2:2010:AppProtocol",
    "d": "urn:iso:15118:2:2013:MsgDef",
    "h": "urn:iso:15118:2:2013:MsgHeader",
    "b": "urn:iso:15118:2:2013:MsgBody",
    "t": "urn:iso:15118:2:2013:MsgDataTypes",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}


class ExiStep:
    """Encode/decode round trips with the generated codec, and a real third-party message."""

    name = "exi"
    title = "EXI codec and XMLDSig: SAP and SessionSetup requests, Hubject-QA response"

    def __init__(self, *, fixture_dir: Path | None = None) -> None:
        self.fixture_dir = fixture_dir if fixture_dir is not None else DEFAULT_FIXTURE_DIR

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        """Round-trip the EV's first messages, then the fixture."""
        report.facts["supported_app_protocol_req"] = _round_trip(
            report, "supportedAppProtocolReq", app_protocol_req(APP_PROTOCOLS), "app",
            protocols=[ns for ns, *_ in APP_PROTOCOLS])
        report.facts["session_setup_req"] = _round_trip(
            report, "SessionSetupReq", session_setup_req(b"\x00", EV_MAC), "iso2",
            evccid=EV_MAC.hex())
        facts: dict[str, Any] = {}
        report.facts["fixture"] = facts
        self._fixture(report, facts, ctx.now)

    def _fixture(self, report: StepReport, facts: dict[str, Any], now: datetime) -> None:
        path = self.fixture_dir / "res.exi.bin"
        if not path.is_file():
            reason = f"fixture {path} is not there (it ships with the reference material)"
            report.warnings.append(f"Hubject-QA CertificateInstallationRes skipped: {reason}")
            facts["skipped"] = reason
            return
        data = path.read_bytes()
        message = exi.decode(data, "iso2")
        again = exi.encode(message, "iso2", validate=False)
        # read the facts from the standard XML form, which does not depend on class layouts
        root = ElementTree.fromstring(exi.to_xml(message))  # noqa: S314 - our own output
        body = root.find("d:Body/*", _NS)
        method = root.find("d:Header/ds:Signature/ds:SignedInfo/ds:SignatureMethod", _NS)
        facts.update({
            "file": str(path),
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "message": "?" if body is None else body.tag.rsplit("}", 1)[-1],
            "response_code": root.findtext("d:Body/*/b:ResponseCode", "?", _NS),
            "emaid": root.findtext("d:Body/*/b:eMAID", "?", _NS),
            "signed_references": [r.get("URI", "") for r in root.iterfind(
                "d:Header/ds:Signature/ds:SignedInfo/ds:Reference", _NS)],
            "signature_method": "?" if method is None else method.get("Algorithm", "?"),
            "re_encoded_identical": again == data,
        })
        report.check(again == data, "the Hubject-QA response does not re-encode byte for byte")
        report.line("Hubject-QA res", f"{facts['message']} {facts['response_code']}, eMAID "
                    f"{facts['emaid']}, {len(data)} B decoded and re-encoded "
                    + ("byte-identical" if again == data else "DIFFERENTLY"))
        signer = x509.load_der_x509_certificate(base64.b64decode(root.findtext(
            "d:Body/*/b:SAProvisioningCertificateChain/t:Certificate", "", _NS)))
        facts["signer"] = signer.subject.rfc4514_string()
        facts["signature_verified"] = False
        verified = signing.verify_signature(message, "iso2", _raw_ecdsa_verifier(signer))
        facts["signature_verified"] = True
        facts["verified_references"] = list(verified.references)
        report.line("signature", f"XMLDSig over EXI verifies: {len(verified.references)} "
                    f"reference digests ({', '.join(facts['signed_references'])}) and "
                    f"{verified.signature_method.rsplit('#', 1)[-1]} over SignedInfo by "
                    f"{display_name(signer)}")
        expiry = signer.not_valid_after_utc
        report.line("not checked", "the signer's chain: its V2G root is not in the message"
                    + (f", and the signer expired on {expiry.date()}" if expiry < now else ""))


def _raw_ecdsa_verifier(cert: x509.Certificate) -> signing.Verifier:
    """Check a raw r||s ECDSA SignatureValue with the certificate's key."""
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError(f"{display_name(cert)} has no EC key")
    size = (key.curve.key_size + 7) // 8
    digest = hashes.SHA512() if size > 32 else hashes.SHA256()

    def verify(data: bytes, signature: bytes) -> bool:
        if len(signature) != 2 * size:
            return False
        try:
            key.verify(raw_to_der(signature), data, ec.ECDSA(digest))
        except InvalidSignature:
            return False
        return True

    return verify



def app_protocol_req(protocols: tuple[tuple[str, int, int, int], ...]) -> Any:
    """A supportedAppProtocolReq offering ``protocols`` in order of preference."""
    entries = "".join(
        f"<AppProtocol><ProtocolNamespace>{escape(ns)}</ProtocolNamespace>"
        f"<VersionNumberMajor>{major}</VersionNumberMajor>"
        f"<VersionNumberMinor>{minor}</VersionNumberMinor>"
        f"<SchemaID>{sid}</SchemaID><Priority>{i}</Priority></AppProtocol>"
        for i, (ns, major, minor, sid) in enumerate(protocols, 1))
    return exi.from_xml(f'<a:supportedAppProtocolReq xmlns:a="{_NS["app"]}">{entries}'
                        "</a:supportedAppProtocolReq>", "app")


def session_setup_req(session_id: bytes, evccid: bytes) -> Any:
    """An ISO 15118-2 V2G_Message carrying SessionSetupReq."""
    return exi.from_xml(
        f'<d:V2G_Message xmlns:d="{_NS["d"]}" xmlns:h="{_NS["h"]}" xmlns:b="{_NS["b"]}">'
        f"<d:Header><h:SessionID>{session_id.hex().upper()}</h:SessionID></d:Header>"
        f"<d:Body><b:SessionSetupReq><b:EVCCID>{evccid.hex().upper()}</b:EVCCID>"
        "</b:SessionSetupReq></d:Body></d:V2G_Message>", "iso2")


def _round_trip(report: StepReport, label: str, message: Any, grammar: str,
                **extra: Any) -> dict[str, Any]:
    data = exi.encode(message, grammar)
    back = exi.decode(data, grammar)
    same = back == message
    xml_same = exi.from_xml(exi.to_xml(back), grammar) == message
    report.check(same, f"{label} does not decode back to what was encoded")
    report.check(xml_same, f"{label} does not survive the XML mapping")
    report.line(label, f"{len(data)} B {data.hex()[:24]}…, decoded back "
                       + ("equal" if same and xml_same else "DIFFERENT"))
    return {"hex": data.hex(), "bytes": len(data), "decoded_equal": same,
            "xml_round_trip_equal": xml_same, **extra}
