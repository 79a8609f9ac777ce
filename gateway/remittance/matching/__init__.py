"""The I/O-free matching core: `Matcher(Ledger(items, customers)).match(line) -> MatchResult`.

See `engine` for the order of work, `strategies` for how candidates are found, `amounts` for how
differences are explained and `config` for thresholds and evidence weights.
"""

from gateway.remittance.matching.config import EvidenceWeights, MatchConfig
from gateway.remittance.matching.engine import Matcher
from gateway.remittance.matching.ledger import Customer, DiscountTerms, Ledger, OpenItem
from gateway.remittance.matching.result import Decision, Flag, Match, MatchResult

__all__ = ["Customer", "Decision", "DiscountTerms", "EvidenceWeights", "Flag", "Ledger", "Match",
           "MatchConfig", "MatchResult", "Matcher", "OpenItem"]
