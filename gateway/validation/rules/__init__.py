"""Own business rules: Python over the canonical model, registered under official rule ids.

Rule modules are imported by `registry.all_rules()`; each module holds one family of rules.
"""
