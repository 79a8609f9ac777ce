"""The HTTP API (aiohttp): the partner API under /v1, the admin API under /admin/v1 (a
sub-app with its own authentication), and the public /openapi.json, probes (/healthz,
/readyz, /health) and /metrics.

`APIS` lists every operation; gateway.app registers exactly these and
gateway.api.openapi describes exactly these. Errors are application/problem+json
(gateway.api.problem). See docs/api.md.
"""

from __future__ import annotations

from gateway.api.admin import endpoints as admin_endpoints
from gateway.api.admin import exchanges as admin_exchanges
from gateway.api.admin import outbound as admin_outbound
from gateway.api.admin import own_certificates as admin_own_certificates
from gateway.api.admin import partners as admin_partners
from gateway.api.admin import remittances as admin_remittances
from gateway.api.admin import webhooks as admin_webhooks
from gateway.api.partner import documents as partner_documents
from gateway.api.partner import inbox as partner_inbox
from gateway.api.public import OPERATIONS as PUBLIC_OPERATIONS
from gateway.api.spec import Api

PUBLIC = Api("public", "", None, PUBLIC_OPERATIONS)
PARTNER = Api("partner", "/v1", "partnerKey",
              partner_documents.OPERATIONS + partner_inbox.OPERATIONS)
ADMIN = Api("admin", "/admin/v1", "adminKey",
            admin_partners.OPERATIONS + admin_endpoints.OPERATIONS + admin_webhooks.OPERATIONS
            + admin_exchanges.OPERATIONS + admin_outbound.OPERATIONS
            + admin_own_certificates.OPERATIONS + admin_remittances.OPERATIONS)
APIS = (PUBLIC, PARTNER, ADMIN)
