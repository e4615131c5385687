"""Typed V2G message classes, one module per grammar set.

The classes are generated together with the EXI grammars (``tools/exigen``) and live in
``evcc.exi._generated``; these modules re-export them under stable names, e.g.
``from evcc.messages.iso2 import V2G_Message, CurrentDemandReqType``.
"""
