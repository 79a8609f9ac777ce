from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from gateway.errors import InputError, UnsupportedDocumentError
from gateway.transports.base import Envelope, InboundRequest, Receipt
from gateway.transports.endpoint import EndpointConfig
from gateway.transports.errors import (
    EndpointConfigError,
    RemoteRejectedError,
    RemoteUnavailableError,
    UnexpectedResponseError,
    UnsupportedPayloadError,
)
from gateway.transports.http_protocol import (
    DOCUMENT_TYPE_HEADER,
    MESSAGE_ID_HEADER,
    build_receipt,
    checked_url,
    display_url,
    error_for_receipt,
    media_type,
    outbound_headers,
    parse_inbound,
)
from gateway.webhooks.signing import (
    KEY_ID_HEADER,
    SIGNATURE_HEADER,
    SignatureMissingError,
    SigningKey,
    StaleSignatureError,
    sign,
    verify,
)

NOW = datetime(2024, 6, 3, 16, 0, tzinfo=UTC)
KEY = SigningKey("k1", b"whsec_partner_secret_01")
ENDPOINT = EndpointConfig("https://partner.example/in")
SIGNED = EndpointConfig("https://partner.example/in", signing_keys=(KEY,))


def envelope(content_type: str = "application/xml", **headers: str) -> Envelope:
    return Envelope(
        message_id="msg-1",
        document_type="peppol-bis-billing-3-invoice",
        sender_id="0088:1",
        receiver_id="0088:2",
        payload=b"<Invoice/>",
        content_type=content_type,
        headers=headers,
    )


class TestOutbound:
    def test_headers_carry_ids_and_content_type(self) -> None:
        headers = outbound_headers(envelope(), ENDPOINT, NOW)
        assert headers["Content-Type"] == "application/xml"
        assert headers[MESSAGE_ID_HEADER] == "msg-1"
        assert headers[DOCUMENT_TYPE_HEADER] == "peppol-bis-billing-3-invoice"
        assert SIGNATURE_HEADER not in headers

    def test_signed_when_the_endpoint_has_keys(self) -> None:
        headers = outbound_headers(envelope(), SIGNED, NOW)
        assert headers[KEY_ID_HEADER] == "k1"
        assert verify(headers, b"<Invoice/>", {"k1": KEY.secret}, now=NOW) == "k1"

    def test_each_attempt_is_signed_at_its_own_time(self) -> None:
        first = outbound_headers(envelope(), SIGNED, NOW)
        later = outbound_headers(envelope(), SIGNED, NOW + timedelta(hours=1))
        assert first[MESSAGE_ID_HEADER] == later[MESSAGE_ID_HEADER]
        assert first[SIGNATURE_HEADER] != later[SIGNATURE_HEADER]

    def test_extra_and_envelope_headers_are_sent(self) -> None:
        endpoint = EndpointConfig(
            "https://partner.example/in", extra_headers=(("Authorization", "Bearer t"),)
        )
        headers = outbound_headers(envelope(**{"X-Trace": "abc"}), endpoint, NOW)
        assert headers["Authorization"] == "Bearer t"
        assert headers["X-Trace"] == "abc"

    @pytest.mark.parametrize("name", ["X-Gateway-Message-Id", "x-gateway-signature", "Host"])
    def test_envelope_cannot_override_transport_headers(self, name: str) -> None:
        with pytest.raises(UnsupportedPayloadError, match="set by the transport"):
            outbound_headers(envelope(**{name: "x"}), ENDPOINT, NOW)

    @pytest.mark.parametrize("content_type", ["application/pdf", "text/plain"])
    def test_only_xml_and_json_travel(self, content_type: str) -> None:
        with pytest.raises(UnsupportedPayloadError) as caught:
            outbound_headers(envelope(content_type), ENDPOINT, NOW)
        assert caught.value.retryable is False

    def test_content_type_parameters_are_kept(self) -> None:
        headers = outbound_headers(envelope("application/xml; charset=UTF-8"), ENDPOINT, NOW)
        assert headers["Content-Type"] == "application/xml; charset=UTF-8"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/xml", "application/xml"),
        ("Application/XML; charset=utf-8", "application/xml"),
        ("text/xml", "application/xml"),
        ("application/json;charset=UTF-8", "application/json"),
        ("application/soap+xml", None),
        ("", None),
        (None, None),
    ],
)
def test_media_type(value: str | None, expected: str | None) -> None:
    assert media_type(value) == expected


class TestUrl:
    def test_display_url_drops_query_and_fragment(self) -> None:
        url = checked_url(EndpointConfig("https://partner.example:8443/in?token=s3cret#frag"))
        assert display_url(url) == "https://partner.example:8443/in"

    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("http://partner.example/in", "https"),
            ("ftp://partner.example/in", "https"),
            ("/relative", "https"),
            ("https://user:pw@partner.example/in", "credentials"),
        ],
    )
    def test_refused(self, url: str, reason: str) -> None:
        with pytest.raises(EndpointConfigError, match=reason) as caught:
            checked_url(EndpointConfig(url))
        assert caught.value.retryable is False

    def test_plain_http_only_when_allowed_and_without_tls_options(self) -> None:
        assert checked_url(EndpointConfig("http://erp.local/h", allow_plain_http=True)).host
        with pytest.raises(EndpointConfigError, match="need an https url"):
            checked_url(
                EndpointConfig("http://erp.local/h", allow_plain_http=True, ca_pem="/ca.pem")
            )


class TestResponses:
    def receipt(self, status: int, body: bytes = b"", /, **headers: str) -> Receipt:
        return build_receipt(
            envelope(), status=status, headers=headers, raw=body, truncated=False, received_at=NOW
        )

    def test_receipt_fields(self) -> None:
        receipt = self.receipt(202, b'{"ok":true}', **{"X-Gateway-Receipt-Id": "r-9"})
        assert receipt.status_code == 202
        assert receipt.remote_message_id == "r-9"
        assert receipt.sha256 == hashlib.sha256(b'{"ok":true}').hexdigest()
        assert error_for_receipt(receipt) is None

    def test_request_id_is_the_fallback_remote_id_and_junk_is_ignored(self) -> None:
        assert self.receipt(200, **{"X-Request-Id": "req-1"}).remote_message_id == "req-1"
        assert self.receipt(200, **{"X-Request-Id": "a b"}).remote_message_id is None

    def test_503_is_retryable_with_retry_after(self) -> None:
        error = error_for_receipt(self.receipt(503, b"busy"), retry_after=timedelta(seconds=30))
        assert isinstance(error, RemoteUnavailableError)
        assert error.retryable is True
        assert error.wire_code == "http:503"
        assert error.remote_status == 503
        assert error.retry_after == timedelta(seconds=30)
        assert error.receipt is not None
        assert error.receipt.raw == b"busy"

    def test_400_is_final_and_quotes_the_partner(self) -> None:
        error = error_for_receipt(self.receipt(400, b'{"title":"bad\nCustomizationID"}'))
        assert isinstance(error, RemoteRejectedError)
        assert error.retryable is False
        assert "HTTP 400" in error.message
        assert "bad CustomizationID" in error.message  # control characters flattened

    def test_redirect_is_not_followed(self) -> None:
        error = error_for_receipt(self.receipt(302))
        assert isinstance(error, UnexpectedResponseError)
        assert "never followed" in error.message
        assert error.retryable is False


class TestInbound:
    def request(self, body: bytes = b"<Order/>", /, **headers: str) -> InboundRequest:
        return InboundRequest(headers=headers, body=body, received_at=NOW)

    def test_unsigned_partner(self) -> None:
        inbound = parse_inbound(
            self.request(
                **{
                    "Content-Type": "text/xml; charset=utf-8",
                    MESSAGE_ID_HEADER: "their-1",
                    DOCUMENT_TYPE_HEADER: "peppol-bis-order-3",
                }
            ),
            ENDPOINT,
        )
        assert inbound.content_type == "application/xml"
        assert inbound.message_id == "their-1"
        assert inbound.document_type == "peppol-bis-order-3"
        assert inbound.sha256 == hashlib.sha256(b"<Order/>").hexdigest()
        assert inbound.signature_key_id is None
        assert inbound.transport == "http"

    def test_signed_partner_must_sign(self) -> None:
        with pytest.raises(SignatureMissingError):
            parse_inbound(self.request(**{"Content-Type": "application/xml"}), SIGNED)

    def test_signed_partner_verified_at_reception_time(self) -> None:
        headers = {"Content-Type": "application/xml", **sign(b"<Order/>", KEY.secret, "k1", NOW)}
        assert parse_inbound(self.request(**headers), SIGNED).signature_key_id == "k1"
        old = {
            "Content-Type": "application/xml",
            **sign(b"<Order/>", KEY.secret, "k1", NOW - timedelta(hours=1)),
        }
        with pytest.raises(StaleSignatureError):
            parse_inbound(self.request(**old), SIGNED)

    def test_signature_checked_before_content(self) -> None:
        with pytest.raises(SignatureMissingError):
            parse_inbound(self.request(**{"Content-Type": "image/png"}), SIGNED)

    def test_unsupported_content_type_is_415(self) -> None:
        with pytest.raises(UnsupportedDocumentError, match="image/png") as caught:
            parse_inbound(self.request(**{"Content-Type": "image/png"}), ENDPOINT)
        assert caught.value.http_status == 415

    def test_empty_body(self) -> None:
        with pytest.raises(InputError, match="empty"):
            parse_inbound(self.request(b"", **{"Content-Type": "application/json"}), ENDPOINT)

    def test_bad_message_id_header(self) -> None:
        with pytest.raises(InputError, match=MESSAGE_ID_HEADER):
            parse_inbound(
                self.request(**{"Content-Type": "application/xml", MESSAGE_ID_HEADER: "a b"}),
                ENDPOINT,
            )

    def test_client_certificate_fingerprint(self) -> None:
        request = InboundRequest(
            headers={"Content-Type": "application/xml"},
            body=b"<Order/>",
            received_at=NOW,
            client_certificate_der=b"DER",
        )
        inbound = parse_inbound(request, ENDPOINT)
        assert inbound.client_certificate_sha256 == hashlib.sha256(b"DER").hexdigest()
