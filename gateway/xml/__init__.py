"""XML handling: the hardened parser every partner byte goes through, and namespaces."""
