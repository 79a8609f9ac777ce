# The gateway image: `gateway serve` on port 8080. Official artefacts are not part of the
# image (they are not ours to redistribute): mount them and set GATEWAY_ARTEFACTS_DIR.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    GATEWAY_DATA_DIR=/var/lib/gateway GATEWAY_HOST=0.0.0.0 GATEWAY_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY mappings ./mappings
COPY schemas ./schemas
RUN pip install --no-cache-dir -e . \
    && useradd --system --home-dir /var/lib/gateway --create-home gateway

USER gateway
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
    CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:' + os.environ['GATEWAY_PORT'] + '/healthz', timeout=2)"
CMD ["gateway", "serve"]
