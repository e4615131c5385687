"""Generator of the EXI grammar modules in ``evcc/exi/_generated`` from the V2G XSDs."""

#: grammar name -> (module name, root schema relative to the schema folder)
GRAMMARS: dict[str, tuple[str, str]] = {
    "app": ("app", "app_protocol/V2G_CI_AppProtocol.xsd"),
    "din": ("din", "din70121/V2G_CI_MsgDef.xsd"),
    "iso2": ("iso2", "iso15118_2/V2G_CI_MsgDef.xsd"),
    "iso20-common": ("iso20_common", "iso15118_20/V2G_CI_CommonMessages.xsd"),
    "iso20-ac": ("iso20_ac", "iso15118_20/V2G_CI_AC.xsd"),
    "iso20-dc": ("iso20_dc", "iso15118_20/V2G_CI_DC.xsd"),
    "iso20-wpt": ("iso20_wpt", "iso15118_20/V2G_CI_WPT.xsd"),
    "iso20-acdp": ("iso20_acdp", "iso15118_20/V2G_CI_ACDP.xsd"),
    "xmldsig": ("xmldsig", "xmldsig/xmldsig-core-schema.xsd"),
}
