"""Reference exchange rates for comparing a payment with items in another currency.

Rates come from configuration (e.g. the ECB reference rates of the day) or, when none are given,
are implied by the statement itself: camt `AmtDtls/InstdAmt` reports what the payer instructed in
the original currency next to the booked amount, and the median of booked/instructed over all such
lines is a robust estimate of the day's rate (the median ignores lines where charges were taken).
An FX difference is accepted only within `MatchConfig.fx_tolerance` of that rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from statistics import median

from gateway.remittance.model import RemittanceLine

MIN_OBSERVATIONS = 3


class FxRates:
    def __init__(self, rates: Mapping[tuple[str, str], Decimal] | None = None) -> None:
        """`rates[(from, to)]` = units of `to` per unit of `from`."""
        self._rates: dict[tuple[str, str], Decimal] = dict(rates or {})

    def rate(self, source: str, target: str) -> Decimal | None:
        if source == target:
            return Decimal(1)
        direct = self._rates.get((source, target))
        if direct is not None:
            return direct
        inverse = self._rates.get((target, source))
        return (1 / inverse) if inverse else None

    @classmethod
    def implied(cls, lines: Iterable[RemittanceLine],
                given: Mapping[tuple[str, str], Decimal] | None = None) -> FxRates:
        observed: dict[tuple[str, str], list[Decimal]] = {}
        for line in lines:
            if (line.amount and line.instructed_amount and line.currency
                    and line.instructed_currency and line.instructed_currency != line.currency):
                pair = (line.instructed_currency, line.currency)
                observed.setdefault(pair, []).append(line.amount / line.instructed_amount)
        rates = {pair: Decimal(median(values)) for pair, values in observed.items()
                 if len(values) >= MIN_OBSERVATIONS}
        rates.update(given or {})
        return cls(rates)

    def as_dict(self) -> dict[str, str]:
        return {f"{a}/{b}": format(rate.quantize(Decimal("0.000001")), "f")
                for (a, b), rate in sorted(self._rates.items())}
