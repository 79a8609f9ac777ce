"""Operations support: log context and formats (`logs`), Prometheus metrics (`metrics`),
readiness checks (`health`), rate limits (`ratelimit`) and response hardening
(`secure_headers`). Nothing here is global: each app owns its metrics registry and limiters.
See docs/operations.md.
"""
