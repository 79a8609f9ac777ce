"""CRL revocation checking with the soft-fail policy, and the configurable Peppol trust stores."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from gateway.errors import ConfigurationError
from gateway.peppol.as4.errors import FAILED_AUTHENTICATION, OTHER, As4Rejected
from gateway.peppol.as4.inbound import receive_user_message
from gateway.peppol.revocation import (
    CertificateRevoked,
    CrlError,
    RevocationChecker,
    RevocationConfig,
    RevocationUnavailable,
    crl_fetcher,
    distribution_points,
)
from gateway.peppol.truststore import (
    AP_CA_FILES_ENV,
    SMP_CA_FILES_ENV,
    CertificateCheck,
    PeppolTrust,
)
from gateway.signing import pki
from gateway.signing.trust import SignerTrust, UntrustedCertificate
from tests.unit.peppol.as4_support import build, settings


def _der(crl: x509.CertificateRevocationList) -> bytes:
    return crl.public_bytes(serialization.Encoding.DER)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _checker(
    dev_pki: pki.DevPki,
    now: datetime,
    crls: dict[str, bytes],
    clock: Clock | None = None,
    **config: object,
) -> RevocationChecker:
    async def fetch(source: str) -> bytes:
        if source not in crls:
            raise CrlError(f"{source}: not found")
        return crls[source]

    return RevocationChecker(
        [dev_pki.root.certificate, dev_pki.ap_ca.certificate],
        fetch,
        RevocationConfig(**({"sources": tuple(crls)} | config)),  # type: ignore[arg-type]
        clock=clock or Clock(now),
    )


async def test_revoked_and_good_certificates(dev_pki: pki.DevPki, now: datetime) -> None:
    revoked = dev_pki.entries["ap/POP000901"].certificate
    good = dev_pki.entries["ap/POP000902"].certificate
    crl = pki.new_crl(dev_pki.ap_ca, [revoked], now=now)
    checker = _checker(dev_pki, now, {"https://crl.test/ap.crl": _der(crl)})
    (status,) = await checker.refresh()
    assert (status.error, status.revoked) == (None, 1)
    assert status.issuer == dev_pki.ap_ca.certificate.subject.rfc4514_string()
    assert checker.check(good) is True
    with pytest.raises(CertificateRevoked, match="was revoked"):
        checker.check(revoked)


def test_unknown_status_follows_the_policy(dev_pki: pki.DevPki, now: datetime) -> None:
    certificate = dev_pki.entries["ap/POP000901"].certificate
    assert _checker(dev_pki, now, {}).check(certificate) is False  # soft-fail: accepted
    with pytest.raises(RevocationUnavailable, match="no current CRL"):
        _checker(dev_pki, now, {}, soft_fail=False).check(certificate)


async def test_stale_crl_is_no_answer(dev_pki: pki.DevPki, now: datetime) -> None:
    crl = pki.new_crl(dev_pki.ap_ca, [], now=now - timedelta(days=30), validity=timedelta(days=7))
    clock = Clock(now)
    checker = _checker(dev_pki, now, {"file:/x.crl": _der(crl)}, clock, soft_fail=False)
    await checker.refresh()
    with pytest.raises(RevocationUnavailable):
        checker.check(dev_pki.entries["ap/POP000901"].certificate)
    clock.now = now - timedelta(days=29)
    assert checker.check(dev_pki.entries["ap/POP000901"].certificate) is True


async def test_forged_crl_is_refused_and_the_previous_one_kept(
    dev_pki: pki.DevPki, other_pki: pki.DevPki, now: datetime
) -> None:
    victim = dev_pki.entries["ap/POP000902"].certificate
    good_crl = pki.new_crl(dev_pki.ap_ca, [], now=now - timedelta(hours=1))
    # Same issuer name, another key: a CRL "revoking" a good certificate.
    forged = pki.new_crl(other_pki.ap_ca, [victim], now=now)
    crls = {"https://crl.test/ap.crl": _der(good_crl)}
    checker = _checker(dev_pki, now, crls)
    await checker.refresh()
    crls["https://crl.test/ap.crl"] = _der(forged)
    (status,) = await checker.refresh()
    assert status.error is not None
    assert "signature does not verify" in status.error
    assert checker.check(victim) is True


async def test_slow_source_times_out_without_blocking_checks(
    dev_pki: pki.DevPki, now: datetime
) -> None:
    async def slow(source: str) -> bytes:
        await asyncio.sleep(5)
        return b""

    checker = RevocationChecker(
        [dev_pki.ap_ca.certificate],
        slow,
        RevocationConfig(sources=("https://slow.test/ap.crl",), fetch_timeout=0.05),
        clock=Clock(now),
    )
    (status,) = await checker.refresh()
    assert status.error == "TimeoutError"
    assert checker.check(dev_pki.entries["ap/POP000901"].certificate) is False


def _with_distribution_point(dev_pki: pki.DevPki, now: datetime, url: str) -> x509.Certificate:
    issued = dev_pki.entries["ap/POP000901"]
    builder = (
        x509.CertificateBuilder()
        .subject_name(issued.certificate.subject)
        .issuer_name(dev_pki.ap_ca.certificate.subject)
        .public_key(issued.private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)]
            ),
            critical=False,
        )
    )
    return builder.sign(dev_pki.ap_ca.private_key, hashes.SHA256())


async def test_distribution_points_are_learnt_and_mirrored(
    dev_pki: pki.DevPki, now: datetime, tmp_path: Path
) -> None:
    url = "http://crl.peppol.test/PEPPOLACCESSPOINTCA-G3.crl"
    certificate = _with_distribution_point(dev_pki, now, url)
    assert distribution_points(certificate) == [url]
    mirror = tmp_path / "ap.crl"
    mirror.write_bytes(
        pki.new_crl(dev_pki.ap_ca, [certificate], now=now).public_bytes(serialization.Encoding.PEM)
    )
    checker = RevocationChecker(
        [dev_pki.ap_ca.certificate],
        crl_fetcher(None),
        RevocationConfig(overrides={url: mirror.as_uri()}),
        clock=Clock(now),
    )
    assert checker.check(certificate) is False  # first sight: unknown, remembered
    assert checker.sources() == [mirror.as_uri()]
    await checker.refresh()
    with pytest.raises(CertificateRevoked):
        checker.check(certificate)


async def test_fetcher_refuses_other_schemes() -> None:
    with pytest.raises(CrlError, match="only http"):
        await crl_fetcher(None)("ldap://x/crl")


def _write(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    return path


def test_trust_stores_from_files_and_env(
    dev_pki: pki.DevPki, other_pki: pki.DevPki, tmp_path: Path, now: datetime
) -> None:
    # "G2" and "G3" side by side: two hierarchies in two files.
    g2 = _write(tmp_path / "g2.pem", dev_pki.root.certificate, dev_pki.ap_ca.certificate)
    g3 = _write(tmp_path / "g3.pem", other_pki.root.certificate, other_pki.ap_ca.certificate)
    smp = _write(
        tmp_path / "smp.pem", dev_pki.root.certificate, dev_pki.entries["ca/smp-ca"].certificate
    )
    trust = PeppolTrust.from_env(
        {AP_CA_FILES_ENV: f"{g2}{os.pathsep}{g3}", SMP_CA_FILES_ENV: str(smp)}
    )
    assert len(trust.ap.anchors) == 2
    assert len(trust.ap.intermediates) == 2
    for seat, source in (("POP000901", dev_pki), ("POP000666", other_pki)):
        trust.ap.check_certificate(source.entries[f"ap/{seat}"].certificate, now)
    with pytest.raises(UntrustedCertificate):
        trust.ap.check_certificate(dev_pki.entries["smp/smp"].certificate, now)
    trust.smp.check_certificate(dev_pki.entries["smp/smp"].certificate, now)
    with pytest.raises(ConfigurationError, match="no CA certificate file"):
        PeppolTrust.from_env({SMP_CA_FILES_ENV: str(smp)})
    with pytest.raises(ConfigurationError, match="cannot read"):
        PeppolTrust.from_files([tmp_path / "missing.pem"], [smp])
    with pytest.raises(ConfigurationError, match="self-signed root"):
        PeppolTrust.from_files([_write(tmp_path / "int.pem", dev_pki.ap_ca.certificate)], [smp])


async def test_as4_receiver_refuses_a_revoked_signer(dev_pki: pki.DevPki, now: datetime) -> None:
    message = build(dev_pki, now=now)
    trust = SignerTrust(
        anchors=(dev_pki.root.certificate,), intermediates=(dev_pki.ap_ca.certificate,)
    )
    crl = pki.new_crl(dev_pki.ap_ca, [dev_pki.entries["ap/POP000901"].certificate], now=now)
    revocation = _checker(dev_pki, now, {"https://crl.test/ap.crl": _der(crl)})
    await revocation.refresh()
    base = settings(dev_pki, now=now)
    with pytest.raises(As4Rejected) as revoked:
        receive_user_message(
            message.content_type,
            message.body,
            replace(base, check_signer=CertificateCheck(trust, revocation, clock=Clock(now))),
        )
    assert revoked.value.ebms_code == FAILED_AUTHENTICATION
    assert "revoked" in revoked.value.reason
    hard = _checker(dev_pki, now, {}, soft_fail=False)
    with pytest.raises(As4Rejected) as unknown:
        receive_user_message(
            message.content_type,
            message.body,
            replace(base, check_signer=CertificateCheck(trust, hard, clock=Clock(now))),
        )
    assert unknown.value.ebms_code == OTHER  # retryable for the sender
    soft = _checker(dev_pki, now, {})
    received = receive_user_message(
        message.content_type,
        message.body,
        replace(base, check_signer=CertificateCheck(trust, soft, clock=Clock(now))),
    )
    assert received.header.from_party == "POP000901"
