"""The matching strategies, in the order the engine runs them (DESIGN section 7).

1. `StructuredReferenceStrategy`: creditor references (ISO 11649 RF, Swiss QR) whose check digits
   hold; a reference one digit off is corrected only to a variant whose check digits hold.
2. `AdviceStrategy`: documents listed in an advice linked to the payment (or in the payment's own
   camt `RfrdDocInf`), each confirmed by its own amount.
3. `TextReferenceStrategy`: document numbers in free text, exact first, then with up to
   `max_fuzzy_substitutions` typo corrections, accepted only where the amounts fit.
4. `AmountStrategy`: no reference at all: the identified payer's open items whose amount (or
   combination of amounts, bounded subset sum) equals the payment.

Each returns `Candidate`s with their reasons; the engine decides.
"""

from gateway.remittance.matching.strategies._common import Strategy
from gateway.remittance.matching.strategies.advice import AdviceStrategy
from gateway.remittance.matching.strategies.amount import AmountStrategy
from gateway.remittance.matching.strategies.structured import StructuredReferenceStrategy
from gateway.remittance.matching.strategies.text import TextReferenceStrategy

__all__ = ["AdviceStrategy", "AmountStrategy", "Strategy", "StructuredReferenceStrategy",
           "TextReferenceStrategy"]
