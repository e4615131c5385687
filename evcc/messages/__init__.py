"""Typed V2G message classes, one module per grammar set.

The classes are generated together with the EXI grammars (``tools/exigen``) and live in
``evcc.exi._generated``; these modules re-export them under stable names, e.g.
``from evcc.messages.iso2 import V2G_Message, CurrentDemandReqType``.

A schema type has one class: the xmldsig classes (in every module but ``app``) and the
ISO 15118-20 CommonTypes classes (in the ``iso20_*`` modules) are the same objects in every
module that offers them, e.g. ``iso2.SignatureType is xmldsig.SignatureType``. Each module
also carries its grammar's tables (upper-case names) and, for type checkers, ``Message``:
the union of its root schema's message classes (what ``evcc.exi.<GRAMMAR>.decode`` returns).
"""
