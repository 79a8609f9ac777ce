"""Repositories: async functions that take an `AsyncSession` and never commit.

The caller (an API handler, a worker, a CLI command) owns the transaction, usually through
`gateway.db.Database.transaction()`. Times are passed in (`now=`), UTC and timezone-aware,
so that code is testable and one transaction uses one clock reading. See docs/store.md.

Modules: partners (partners, identifiers, endpoints, capabilities), credentials
(certificates, API keys), documents, exchanges, idempotency, webhooks. The outbox is
gateway.exchange.outbox and the audit log gateway.audit.
"""
