"""Cross-check against EXIficient, the codec behind the vectors' reference check.

Random valid messages of every document root of every grammar are encoded by evcc.exi;
stock EXIficient classes (from the ``iso15118`` 0.31.2 ``EXICodec.jar``), loading the same
XSDs, decode each one to XML and re-encode it, and must give back the same bytes. Needs
Java (``java``, ``javac``) and ``.peers/iso15118``; skipped with a reason otherwise.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from evcc import exi
from tests.evcc.exi._random_messages import Unsupported, build, message_roots

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO.parent / "shared" / "schemas"
ROOTS = {
    "app": "app_protocol/V2G_CI_AppProtocol.xsd",
    "din": "din70121/V2G_CI_MsgDef.xsd",
    "iso2": "iso15118_2/V2G_CI_MsgDef.xsd",
    "iso20-common": "iso15118_20/V2G_CI_CommonMessages.xsd",
    "iso20-ac": "iso15118_20/V2G_CI_AC.xsd",
    "iso20-dc": "iso15118_20/V2G_CI_DC.xsd",
    "iso20-wpt": "iso15118_20/V2G_CI_WPT.xsd",
    "iso20-acdp": "iso15118_20/V2G_CI_ACDP.xsd",
    "xmldsig": "xmldsig/xmldsig-core-schema.xsd",
}

CHECK_JAVA = r"""
import com.siemens.ct.exi.core.EXIFactory;
import com.siemens.ct.exi.core.helpers.DefaultEXIFactory;
import com.siemens.ct.exi.grammars.GrammarFactory;
import com.siemens.ct.exi.main.api.sax.EXIResult;
import com.siemens.ct.exi.main.api.sax.EXISource;
import java.io.*;
import java.util.*;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.sax.SAXSource;
import javax.xml.transform.stream.StreamResult;
import org.xml.sax.InputSource;
import org.xml.sax.XMLReader;

public class Check {
  public static void main(String[] args) throws Exception {
    Map<String, EXIFactory> cache = new HashMap<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
    String line;
    while ((line = in.readLine()) != null) {
      String[] p = line.trim().split(" ");
      try {
        EXIFactory f = cache.get(p[0] + p[1]);
        if (f == null) {
          f = DefaultEXIFactory.newInstance();
          f.setGrammars(GrammarFactory.newInstance().createGrammars(p[0]));
          f.setValuePartitionCapacity(0);
          f.setMaximumNumberOfBuiltInElementGrammars(0);
          f.setMaximumNumberOfBuiltInProductions(0);
          f.setFragment(p[1].equals("1"));
          cache.put(p[0] + p[1], f);
        }
        byte[] data = new byte[p[2].length() / 2];
        for (int i = 0; i < data.length; i++)
          data[i] = (byte) Integer.parseInt(p[2].substring(2 * i, 2 * i + 2), 16);
        StringWriter xml = new StringWriter();
        TransformerFactory.newInstance().newTransformer().transform(new SAXSource(
            new EXISource(f).getXMLReader(), new InputSource(new ByteArrayInputStream(data))),
            new StreamResult(xml));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        EXIResult res = new EXIResult(f);
        res.setOutputStream(bos);
        javax.xml.parsers.SAXParserFactory spf = javax.xml.parsers.SAXParserFactory.newInstance();
        spf.setNamespaceAware(true);
        XMLReader xr = spf.newSAXParser().getXMLReader();
        xr.setContentHandler(res.getHandler());
        xr.parse(new InputSource(new StringReader(xml.toString())));
        StringBuilder sb = new StringBuilder();
        for (byte b : bos.toByteArray()) sb.append(String.format("%02x", b));
        System.out.println(sb.toString().equals(p[2]) ? "OK" : "DIFF " + sb);
      } catch (Exception e) {
        System.out.println("ERR " + e.toString().replace('\n', ' '));
      }
      System.out.flush();
    }
  }
}
"""


@pytest.fixture(scope="module")
def exificient(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    jars = sorted((REPO / ".peers" / "iso15118").glob(
        "lib/python3*/site-packages/iso15118/shared/EXICodec.jar"))
    if not jars or not shutil.which("java") or not shutil.which("javac"):
        pytest.skip("needs java, javac and .peers/iso15118 (EXICodec.jar)")
    if not SCHEMAS.is_dir():
        pytest.skip("XSDs absent (../shared/schemas)")
    work = tmp_path_factory.mktemp("exificient")
    (work / "Check.java").write_text(CHECK_JAVA, encoding="utf-8")
    subprocess.run(["javac", "-cp", str(jars[0]), "-d", str(work), str(work / "Check.java")],
                   check=True, capture_output=True, timeout=120)
    schemas = work / "schemas"
    shutil.copytree(SCHEMAS, schemas)
    for xsd in schemas.rglob("xmldsig-core-schema.xsd"):  # offline: drop the external DTD
        xsd.chmod(0o644)
        text = xsd.read_text(encoding="utf-8")
        xsd.write_text(re.sub(r"<!DOCTYPE.*?\]>\s*", "", text, flags=re.S), encoding="utf-8")
    return f"{jars[0]}:{work}", schemas


@pytest.mark.timeout(600)
def test_random_messages_match_exificient(exificient: tuple[str, Path]) -> None:
    classpath, schemas = exificient
    lines, labels = [], []
    for grammar in exi.GRAMMAR_NAMES:
        g = exi.grammar_module(grammar)
        rng = random.Random(f"exificient-{grammar}")
        for label, make in message_roots(g):
            try:
                msg = make(rng)
            except Unsupported:
                continue
            lines.append(f"{schemas / ROOTS[grammar]} 0 {exi.encode(msg, grammar).hex()}")
            labels.append(f"{grammar}:{label}")
    proc = subprocess.run(["java", "-cp", classpath, "Check"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=600, check=True)
    results = proc.stdout.splitlines()
    assert len(results) == len(lines)
    bad = [(label, r[:160]) for label, r in zip(labels, results, strict=True) if r != "OK"]
    print(f"{len(lines) - len(bad)}/{len(lines)} random messages byte-identical in EXIficient")
    assert not bad, bad[:10]
    assert len(lines) > 400


@pytest.mark.timeout(600)
def test_random_fragments_match_exificient(exificient: tuple[str, Path]) -> None:
    classpath, schemas = exificient
    lines, labels = [], []
    for grammar in exi.GRAMMAR_NAMES:
        g = exi.grammar_module(grammar)
        rng = random.Random(f"exificient-fragment-{grammar}")
        rows = list(g.FRAG)
        picked = [r for r in rows if r[1] is None]  # relaxed element-fragment grammar
        picked += rng.sample(rows, min(30, len(rows)))
        for qn, _dec, _enc in picked:
            spec = g.ELEMENT_SPECS.get(qn)
            if spec is None:  # several types: take the complex one, as signers do
                decls = [s for q, s in g.ELEMENT_SPECS.items() if q == qn]
                spec = next((s for s in decls if s and s.startswith("class:")), None)
                if spec is None:
                    candidates = [c for c, q in g.ELEMENT_OF_CLASS.items() if q == qn]
                    spec = "class:" + candidates[0] if candidates else None
            if spec is None or not spec.startswith("class:"):
                continue
            try:
                value = build(g, spec[6:], rng)
            except Unsupported:
                continue
            data = exi.encode(exi.Named(qn, value), grammar, fragment=True)
            lines.append(f"{schemas / ROOTS[grammar]} 1 {data.hex()}")
            labels.append(f"{grammar}:{qn[1]}")
    proc = subprocess.run(["java", "-cp", classpath, "Check"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=600, check=True)
    results = proc.stdout.splitlines()
    assert len(results) == len(lines)
    bad = [(label, r[:160]) for label, r in zip(labels, results, strict=True) if r != "OK"]
    print(f"{len(lines) - len(bad)}/{len(lines)} random fragments byte-identical in EXIficient")
    assert not bad, bad[:10]
    assert len(lines) > 100
