"""Participant identifiers: an ISO 6523 ICD scheme code and a value, checked per scheme.

Accepted spellings (Peppol Policy for use of Identifiers 4.x, section 3)::

    iso6523-actorid-upis::0088:7300010000001     the full Peppol participant identifier
    0088:7300010000001                           scheme code and value
    0088::7300010000001                          the same, with a double colon

The scheme codes and their states (active / deprecated / removed) follow the Peppol
"Participant identifier schemes" code list (v9.x); those scheme codes are also EAS codes
(EN 16931 BT-34 / BT-49 electronic address schemes). A value is checked with the scheme's
syntax and, where python-stdnum implements the scheme's check digits, with stdnum (like
stdnum itself: one validator per scheme, each returning the compact form). Unknown schemes
are refused with an error naming the scheme. Removed schemes are refused unless
`allow_removed` is set (historic documents); the error names the replacement.

Values compare case-insensitively (Peppol Policy, POLICY 3); `ParticipantId.key` is the
lower-case form used for look-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import ModuleType

from stdnum import ean, iban, lei
from stdnum.au import abn
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.de import leitweg
from stdnum.dk import cvr
from stdnum.ee import registrikood
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus
from stdnum.fr import siren, siret
from stdnum.is_ import kennitala
from stdnum.it import codicefiscale, iva
from stdnum.jp import cn as jp_cn
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.sg import uen
from stdnum.us import ein
from stdnum.util import get_cc_module

from gateway.errors import InputError

PEPPOL_PARTICIPANT_SCHEME = "iso6523-actorid-upis"
MAX_VALUE_LENGTH = 135


class InvalidIdentifierError(InputError):
    code = "invalid-identifier"


class SchemeState(StrEnum):
    ACTIVE = "active"
    DEPRECATED = "deprecated"
    REMOVED = "removed"


Check = Callable[[str], str]
"""Validates a value (already matched by the scheme's pattern) and returns its compact form."""


@dataclass(frozen=True, slots=True)
class Scheme:
    code: str
    """The ISO 6523 ICD (also the EAS code), four digits."""
    name: str
    """The Peppol scheme id, e.g. "GLN", "NO:ORG"."""
    pattern: re.Pattern[str]
    check: Check | None = None
    state: SchemeState = SchemeState.ACTIVE
    replaced_by: str | None = None


@dataclass(frozen=True, slots=True)
class ParticipantId:
    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"

    @property
    def peppol(self) -> str:
        """The full Peppol form, iso6523-actorid-upis::<scheme>:<value>."""
        return f"{PEPPOL_PARTICIPANT_SCHEME}::{self.scheme}:{self.value}"

    @property
    def key(self) -> str:
        """The case-insensitive look-up key."""
        return f"{self.scheme}:{self.value.lower()}"


# --- per-scheme checks ------------------------------------------------------------------------


def _stdnum(module: ModuleType) -> Check:
    """The module's validate(), which returns the compact form (python-stdnum convention)."""

    def check(value: str) -> str:
        return str(module.validate(value))

    return check


def _gln(value: str) -> str:
    """GS1 Global Location Number: 13 digits, GS1 mod-10 check digit (stdnum.ean)."""
    compact = str(ean.validate(value))
    if len(compact) != 13:
        raise ValidationError("a GLN has 13 digits")
    return compact


def _prefixed(prefix: str, module: ModuleType) -> Check:
    """A country prefix followed by a number checked by `module` (e.g. DK + CVR, IT + IVA)."""

    def check(value: str) -> str:
        if value[: len(prefix)].upper() != prefix:
            raise ValidationError(f"the value must start with {prefix}")
        return prefix + str(module.validate(value[len(prefix):]))

    return check


def _fi_ovt(value: str) -> str:
    """Finnish OVT: 0037 + Y-tunnus without hyphen (8 digits, checked) + optional suffix."""
    if not value.startswith("0037"):
        raise ValidationError("an OVT code starts with 0037")
    ytunnus.validate(value[4:12])
    return value.upper()


def _eu_vat(country: str) -> Check:
    """An EU VAT number with its country prefix (EL for Greece), checked by stdnum.eu.vat."""
    prefixes = {"EL", "GR"} if country == "GR" else {country}

    def check(value: str) -> str:
        if value[:2].upper() not in prefixes:
            expected = "/".join(sorted(prefixes))
            raise ValidationError(f"a {country} VAT number starts with {expected}")
        return str(eu_vat.validate(value))

    return check


def _any_eu_vat(value: str) -> str:
    return str(eu_vat.validate(value))


def _national_vat(country: str) -> Check:
    """A VAT number with its country prefix, checked by stdnum's module for that country."""
    module = get_cc_module(country.lower(), "vat")

    def check(value: str) -> str:
        if value[:2].upper() != country:
            raise ValidationError(f"a {country} VAT number starts with {country}")
        if module is None:
            return value.upper()
        try:
            compact = str(module.validate(value))
        except ValidationError:
            compact = str(module.validate(value[2:]))
        return compact if compact.upper().startswith(country) else country + compact

    return check


# --- the schemes ------------------------------------------------------------------------------

_ANY = r"[A-Za-z0-9][A-Za-z0-9._:/\-]{0,134}"
A, D, R = SchemeState.ACTIVE, SchemeState.DEPRECATED, SchemeState.REMOVED


def _scheme(
    code: str,
    name: str,
    pattern: str = _ANY,
    check: Check | None = None,
    state: SchemeState = A,
    replaced_by: str | None = None,
) -> Scheme:
    return Scheme(code, name, re.compile(pattern, re.IGNORECASE), check, state, replaced_by)


def _siren_or_siret(value: str) -> str:
    return str((siren if len(value) == 9 else siret).validate(value))


_SCHEME_LIST: tuple[Scheme, ...] = (
    _scheme("0002", "FR:SIRENE", r"[0-9]{9}([0-9]{5})?", _siren_or_siret),
    _scheme("0007", "SE:ORGNR", r"[0-9]{6}-?[0-9]{4}", _stdnum(se_orgnr)),
    _scheme("0009", "FR:SIRET", r"[0-9]{14}", _stdnum(siret)),
    _scheme("0037", "FI:OVT", r"(0037)?[0-9]{7}-?[0-9][0-9A-Z]{0,5}", None, R, "0216"),
    _scheme("0060", "DUNS", r"[0-9]{9}"),
    _scheme("0088", "GLN", r"[0-9]{13}", _gln),
    _scheme("0096", "DK:P", r"[0-9]{10}"),
    _scheme("0097", "IT:FTI", r"[0-9]{11,16}"),
    # The code list says 17 digits, but KvK numbers in use are 8 digits: accept both.
    _scheme("0106", "NL:KVK", r"[0-9]{8}|[0-9]{17}"),
    _scheme("0130", "EU:NAL"),
    _scheme("0135", "IT:SIA"),
    _scheme("0142", "IT:SECETI"),
    _scheme("0151", "AU:ABN", r"[0-9]{11}", _stdnum(abn)),
    _scheme("0158", "SK:ICO", r"[0-9]{8}"),
    _scheme("0183", "CH:UIDB", r"CHE[0-9]{9}", _stdnum(ch_uid)),
    _scheme("0184", "DK:DIGST", r"[1-9][0-9]{7}", _stdnum(cvr)),
    _scheme("0188", "JP:SST", r"[0-9]{13}", _stdnum(jp_cn)),
    _scheme("0190", "NL:OINO", r"[0-9]{20}"),
    _scheme("0191", "EE:CC", r"[1789][0-9]{7}", _stdnum(registrikood)),
    _scheme("0192", "NO:ORG", r"[0-9]{9}", _stdnum(no_orgnr)),
    _scheme("0193", "UBLBE", r".{4,50}", None, D),
    _scheme("0195", "SG:UEN", r"[A-Z0-9]{9,10}", _stdnum(uen)),
    _scheme("0196", "IS:KTNR", r"[0-9]{10}", _stdnum(kennitala)),
    _scheme("0198", "DK:ERST", r"DK[0-9]{8}", _prefixed("DK", cvr)),
    _scheme("0199", "LEI", r"[A-Z0-9]{18}[0-9]{2}", _stdnum(lei)),
    _scheme("0200", "LT:LEC", r"[0-9]{9}"),
    _scheme("0201", "IT:CUUO", r"[0-9A-Z]{6}"),
    _scheme("0204", "DE:LWID", r"[0-9]{2,12}(-[0-9A-Z]{0,30})?-[0-9]{2}", _stdnum(leitweg)),
    _scheme("0205", "IT:COD", r"[0-9A-Z]{7}"),
    _scheme("0208", "BE:EN", r"[01][0-9]{9}", _stdnum(be_vat)),
    _scheme("0209", "GS1", r"[0-9A-Z]{4,135}"),
    _scheme("0210", "IT:CFI", r"[0-9A-Z]{11}|[0-9A-Z]{16}", _stdnum(codicefiscale)),
    _scheme("0211", "IT:IVA", r"IT[0-9]{11}", _prefixed("IT", iva)),
    _scheme("0212", "FI:ORG", r"[0-9]{7}-[0-9]", _stdnum(ytunnus), R),
    _scheme("0213", "FI:VAT", r"FI[0-9]{8}", _eu_vat("FI"), R),
    _scheme("0215", "FI:NSI", _ANY, None, R),
    _scheme("0216", "FI:OVT2", r"0037[0-9]{8}[0-9A-Z]{0,5}", _fi_ovt),
    _scheme("0218", "LV:URN", r"[0-9]{9}([0-9]{2})?"),
    _scheme("0221", "JP:IIN", r"T[0-9]{13}", _prefixed("T", jp_cn)),
    _scheme("0225", "FR:CTC", r"[A-Za-z0-9_\-]{1,130}"),
    _scheme("0230", "MY:EIF"),
    _scheme("0235", "AE:TIN", r"1[0-9]{9}"),
    _scheme("0240", "LU:MAT", r"[0-9]{11}"),
    _scheme("0242", "SPIS", r"[0-9]{6}(-[0-9A-Z_]{3,12}(\.[0-9A-Z\-._~]{3,24})?)?"),
    _scheme("0244", "NG:TID", r"[0-9]{13}"),
    _scheme("0245", "SK:DIC", r"[0-9]{10}"),
    _scheme("0246", "DE:GEBA", r"DE[0-9]{9}(-[0-9]{5})?(\.[0-9A-Z]{1,8})?"),
    _scheme("0248", "OM:VAT", r"OM[0-9]{10}"),
    _scheme("9901", "DK:CPR", _ANY, None, R),
    _scheme("9902", "DK:CVR", r"[1-9][0-9]{7}", _stdnum(cvr), R, "0184"),
    _scheme("9904", "DK:SE", r"DK[0-9]{8}", _prefixed("DK", cvr), R, "0198"),
    _scheme("9905", "DK:VANS", _ANY, None, R),
    _scheme("9906", "IT:VAT", r"IT[0-9]{11}", _prefixed("IT", iva), R, "0211"),
    _scheme("9907", "IT:CF", r"[0-9A-Z]{11}|[0-9A-Z]{16}", _stdnum(codicefiscale), R, "0210"),
    _scheme("9908", "NO:ORGNR", r"[0-9]{9}", _stdnum(no_orgnr), R, "0192"),
    _scheme("9909", "NO:VAT", r"NO[0-9]{9}MVA", _national_vat("NO"), D),
    _scheme("9910", "HU:VAT", r"HU[0-9]{8}", _eu_vat("HU")),
    _scheme("9912", "EU:VAT", r"[A-Z]{2}[A-Z0-9]{2,20}", _any_eu_vat, D),
    _scheme("9913", "EU:REID"),
    _scheme("9914", "AT:VAT", r"ATU[0-9]{8}", _eu_vat("AT")),
    _scheme("9915", "AT:GOV", r"[A-Z][A-Z0-9]*"),
    _scheme("9916", "AT:CID", _ANY, None, D),
    _scheme("9917", "IS:KT", r"[0-9]{10}", _stdnum(kennitala), D),
    _scheme("9918", "IBAN", r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", _stdnum(iban)),
    _scheme("9919", "AT:KUR", r"[A-Z][0-9]{3}[A-Z][0-9]{3}[A-Z]"),
    _scheme("9920", "ES:VAT", r"ES[0-9A-Z][0-9]{7}[0-9A-Z]", _eu_vat("ES")),
    _scheme("9921", "IT:IPA", _ANY, None, R, "0201"),
    _scheme("9922", "AD:VAT", r"AD[A-Z0-9\-]{6,12}", _national_vat("AD")),
    _scheme("9923", "AL:VAT", r"AL[A-Z0-9]{10}", _national_vat("AL")),
    _scheme("9924", "BA:VAT", r"BA[0-9]{12,13}", _national_vat("BA")),
    _scheme("9925", "BE:VAT", r"BE[01][0-9]{9}", _eu_vat("BE")),
    _scheme("9926", "BG:VAT", r"BG[0-9]{9,10}", _eu_vat("BG")),
    _scheme("9927", "CH:VAT", r"CHE[0-9]{9}(MWST|TVA|IVA|TPV)?", _national_vat("CH")),
    _scheme("9928", "CY:VAT", r"CY[0-9]{8}[A-Z]", _eu_vat("CY")),
    _scheme("9929", "CZ:VAT", r"CZ[0-9]{8,10}", _eu_vat("CZ")),
    _scheme("9930", "DE:VAT", r"DE[0-9]{9}", _eu_vat("DE")),
    _scheme("9931", "EE:VAT", r"EE[0-9]{9}", _eu_vat("EE")),
    _scheme("9932", "GB:VAT", r"GB([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})", _national_vat("GB")),
    _scheme("9933", "GR:VAT", r"(EL|GR)[0-9]{9}", _eu_vat("GR")),
    _scheme("9934", "HR:VAT", r"HR[0-9]{11}", _eu_vat("HR")),
    _scheme("9935", "IE:VAT", r"IE[0-9][0-9A-Z+*][0-9]{5}[A-Z]{1,2}", _eu_vat("IE")),
    _scheme("9936", "LI:VAT", r"LI[0-9A-Z]{5,12}", _national_vat("LI")),
    _scheme("9937", "LT:VAT", r"LT([0-9]{9}|[0-9]{12})", _eu_vat("LT")),
    _scheme("9938", "LU:VAT", r"LU[0-9]{8}", _eu_vat("LU")),
    _scheme("9939", "LV:VAT", r"LV[0-9]{11}", _eu_vat("LV")),
    _scheme("9940", "MC:VAT", r"(MC|FR)[0-9A-Z]{2}[0-9]{9}", _national_vat("MC")),
    _scheme("9941", "ME:VAT", r"ME[0-9]{8}", _national_vat("ME")),
    _scheme("9942", "MK:VAT", r"MK[0-9]{13}", _national_vat("MK")),
    _scheme("9943", "MT:VAT", r"MT[0-9]{8}", _eu_vat("MT")),
    _scheme("9944", "NL:VAT", r"NL[0-9]{9}B[0-9]{2}", _eu_vat("NL")),
    _scheme("9945", "PL:VAT", r"PL[0-9]{10}", _eu_vat("PL")),
    _scheme("9946", "PT:VAT", r"PT[0-9]{9}", _eu_vat("PT")),
    _scheme("9947", "RO:VAT", r"RO[0-9]{2,10}", _eu_vat("RO")),
    _scheme("9948", "RS:VAT", r"RS[0-9]{9}", _national_vat("RS")),
    _scheme("9949", "SI:VAT", r"SI[0-9]{8}", _eu_vat("SI")),
    _scheme("9950", "SK:VAT", r"SK[0-9]{10}", _eu_vat("SK")),
    _scheme("9951", "SM:VAT", r"SM[0-9A-Z]{2,6}", _national_vat("SM")),
    _scheme("9952", "TR:VAT", r"TR[0-9]{10}", _national_vat("TR")),
    _scheme("9953", "VA:VAT", r"VA[0-9A-Z]{2,20}", _national_vat("VA")),
    _scheme("9954", "NL:OIN", r"[0-9]{20}", None, R, "0190"),
    _scheme("9955", "SE:VAT", r"SE[0-9]{12}", _eu_vat("SE"), R),
    _scheme("9956", "BE:CBE", r"0[0-9]{9}", _stdnum(be_vat), R, "0208"),
    _scheme("9957", "FR:VAT", r"FR[0-9A-Z]{2}[0-9]{9}", _eu_vat("FR")),
    _scheme("9958", "DE:LID", _ANY, None, R, "0204"),
    _scheme("9959", "US:EIN", r"[0-9]{2}-?[0-9]{7}", _stdnum(ein)),
)

SCHEMES: Mapping[str, Scheme] = {s.code: s for s in _SCHEME_LIST}
_BY_NAME: Mapping[str, Scheme] = {s.name.upper(): s for s in _SCHEME_LIST}


def scheme(code_or_name: str) -> Scheme:
    """The scheme for an ICD code ("0088") or a Peppol scheme id ("GLN", "NO:ORG")."""
    found = SCHEMES.get(code_or_name.strip()) or _BY_NAME.get(code_or_name.strip().upper())
    if found is None:
        raise InvalidIdentifierError(
            f"unknown participant identifier scheme {code_or_name!r}: not in the Peppol "
            "participant identifier scheme list (ISO 6523 ICD codes such as 0088, 0192, 9925)"
        )
    return found


def validate_identifier(
    scheme_code: str, value: str, *, allow_removed: bool = False
) -> ParticipantId:
    """Check `value` under the scheme and return the normalised ParticipantId."""
    found = scheme(scheme_code)
    if found.state is SchemeState.REMOVED and not allow_removed:
        hint = f"; use {found.replaced_by} ({SCHEMES[found.replaced_by].name})" if (
            found.replaced_by
        ) else ""
        raise InvalidIdentifierError(
            f"scheme {found.code} ({found.name}) was removed from the Peppol code list{hint}"
        )
    text = _clean(value, checked=found.check is not None)
    if not text:
        raise InvalidIdentifierError(f"scheme {found.code} ({found.name}): the value is empty")
    if not found.pattern.fullmatch(text):
        raise InvalidIdentifierError(
            f"{text!r} is not a valid {found.name} (scheme {found.code}) value: it does not "
            f"have the form {found.pattern.pattern}"
        )
    if found.check is None:
        return ParticipantId(found.code, text)
    try:
        return ParticipantId(found.code, found.check(text))
    except ValidationError as exc:
        raise InvalidIdentifierError(
            f"{text!r} is not a valid {found.name} (scheme {found.code}) value: {_reason(exc)}"
        ) from None


def parse_participant_id(text: str, *, allow_removed: bool = False) -> ParticipantId:
    """Parse "iso6523-actorid-upis::0088:123…", "0088:123…" or "0088::123…" and validate it."""
    raw = text.strip()
    head, sep, rest = raw.partition("::")
    if sep and head.lower() == PEPPOL_PARTICIPANT_SCHEME:
        raw = rest
    elif sep and ":" not in head:
        raw = f"{head}:{rest}"
    elif sep:
        raise InvalidIdentifierError(
            f"unknown identifier scheme {head!r} in {text!r}; expected {PEPPOL_PARTICIPANT_SCHEME}"
        )
    code, sep, value = raw.partition(":")
    if not sep:
        raise InvalidIdentifierError(
            f"{text!r} is not a participant identifier: expected <scheme>:<value>, "
            "e.g. 0088:7300010000001"
        )
    return validate_identifier(code, value, allow_removed=allow_removed)


def is_valid(text: str, *, allow_removed: bool = False) -> bool:
    try:
        parse_participant_id(text, allow_removed=allow_removed)
    except InvalidIdentifierError:
        return False
    return True


def validate_vat(value: str) -> str:
    """An EU VAT number with its country prefix (stdnum.eu.vat); returns the compact form."""
    try:
        return _any_eu_vat(_clean(value))
    except ValidationError as exc:
        reason = _reason(exc)
        raise InvalidIdentifierError(f"{value!r} is not a valid EU VAT number: {reason}") from None


def validate_gln(value: str) -> str:
    """A GS1 GLN (13 digits, mod-10 check digit); returns the compact form."""
    try:
        return _gln(_clean(value))
    except ValidationError as exc:
        raise InvalidIdentifierError(f"{value!r} is not a valid GLN: {_reason(exc)}") from None


_SPACES = re.compile(r"\s+")
_SPACES_AND_DOTS = re.compile(r"[\s.]+")


def _clean(value: str, *, checked: bool = True) -> str:
    """Drop the spaces (and, for numbers with check digits, the dots) people type in numbers.

    Dots and hyphens are kept where a scheme's syntax uses them (SPIS, GEBA, Leitweg-ID).
    """
    return (_SPACES_AND_DOTS if checked else _SPACES).sub("", value)


def _reason(exc: ValidationError) -> str:
    message = str(exc.message) if hasattr(exc, "message") else str(exc)
    return message.rstrip(".").lower() or type(exc).__name__
