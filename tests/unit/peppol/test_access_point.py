"""Peppol access-point settings: parsing and the errors that name the setting."""

from __future__ import annotations

import pytest

from gateway.errors import ConfigurationError
from gateway.peppol.access_point import (
    BILLING_PROCESS,
    ServedRecipients,
    parse_nameservers,
    parse_participants,
    parse_services,
)
from gateway.peppol.identifiers import DocumentTypeId, ParticipantId, ProcessId
from gateway.settings import Settings


def test_default_services_are_billing_invoice_and_credit_note() -> None:
    services = parse_services(None)
    assert [doc.value.split("::")[1].split("##")[0] for doc, _ in services] == [
        "Invoice", "CreditNote"]
    assert {str(process) for _, process in services} == {BILLING_PROCESS}


def test_services_entries_are_pairs_and_errors_name_the_setting() -> None:
    [(doc, process)] = parse_services("busdox-docid-qns::urn:x::Order##y::2.1 "
                                      "cenbii-procid-ubl::urn:p")
    assert (doc, process) == (DocumentTypeId("urn:x::Order##y::2.1"), ProcessId("urn:p"))
    with pytest.raises(ConfigurationError, match="GATEWAY_PEPPOL_SERVICES"):
        parse_services("busdox-docid-qns::urn:x::Order##y::2.1")


def test_participants_are_required_and_checked() -> None:
    assert parse_participants(" 0088:5790000435975 , 0208:0123456789") == (
        ParticipantId("0088:5790000435975"), ParticipantId("0208:0123456789"))
    with pytest.raises(ConfigurationError, match=r"peppol_participants.*required"):
        parse_participants("")
    with pytest.raises(ConfigurationError, match="GATEWAY_PEPPOL_PARTICIPANTS"):
        parse_participants("5790000435975")


def test_nameservers_share_one_port() -> None:
    assert parse_nameservers(None) == ([], 53)
    assert parse_nameservers("127.0.0.1:5353, 10.0.0.2:5353") == (["127.0.0.1", "10.0.0.2"], 5353)
    with pytest.raises(ConfigurationError, match="same port"):
        parse_nameservers("127.0.0.1:5353,10.0.0.2")
    with pytest.raises(ConfigurationError, match="bad port"):
        parse_nameservers("127.0.0.1:99999")


def test_served_recipients_need_participant_and_service() -> None:
    [(doc, process)] = parse_services(f"busdox-docid-qns::urn:x::Order##y::2.1 {BILLING_PROCESS}")
    served = ServedRecipients([ParticipantId("0088:5790000435975")], [(doc, process)])
    assert served(ParticipantId("0088:5790000435975"), doc, process)
    assert not served(ParticipantId("0088:7300010000001"), doc, process)
    assert not served(ParticipantId("0088:5790000435975"), doc, ProcessId("urn:other"))


def test_settings_read_booleans_and_policies_from_the_environment() -> None:
    settings = Settings.from_env({"GATEWAY_PEPPOL_SMP_PUBLISH": "yes",
                                  "GATEWAY_PEPPOL_REVOCATION": "hard"})
    assert settings.peppol_smp_publish is True
    assert settings.peppol_revocation == "hard"
    assert not settings.peppol_enabled
    with pytest.raises(ConfigurationError, match="true or false"):
        Settings.from_env({"GATEWAY_PEPPOL_SMP_PUBLISH": "maybe"})
    with pytest.raises(ConfigurationError, match="soft, hard, off"):
        Settings.from_env({"GATEWAY_PEPPOL_REVOCATION": "lenient"})
    with pytest.raises(ConfigurationError, match="peppol_ap_cert_file"):
        Settings.from_env({"GATEWAY_PEPPOL_AP_KEY_FILE": "/nonexistent/ap.key"})
