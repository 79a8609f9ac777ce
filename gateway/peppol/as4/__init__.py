"""Peppol AS4 (profile 2.0, on CEF eDelivery AS4 1.14), written on lxml + cryptography.

Not built on the PyPI ``as4`` package: 0.2.0 pins ``cryptography<47`` while this project runs
cryptography 50, and its verification rules are reproduced here (whitelisted exc-c14n, SwA
content transform, coverage, duplicate-Id guard) against the same real vectors.
"""
