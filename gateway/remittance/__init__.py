"""Remittance: bank and advice formats (`formats`), the remittance line model (`model`), and the
I/O-free payment-matching core (`matching`). See docs/remittance.md."""
