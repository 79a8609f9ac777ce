"""Peppol network: identifiers, SML (DNS) and SMP discovery, and AS4 messaging."""
