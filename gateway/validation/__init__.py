"""Layered validation: hardened parse, XSD, official Schematron, own rules.

Modules (import them directly; this package imports nothing so that `rules` stays light):
  pipeline   Validator(artefacts | OfficialValidator | None, settings=, own_layers=)
             .validate_xml(bytes, doc_type=, rule_sets=) -> Report; .validate_unit_fragment
  official   OfficialValidator(Artefacts): check_xsd, check_schematron, validate (saxonche)
  artefacts  Artefacts(dir): rule sets -> XSLT, XSD paths, version, verify/status; install()
  versions   version detection from the artefact files
  safezip    hardened zip extraction for `gateway artefacts install ZIP`
  rules      own business rules (separate package)
"""
