"""Korean tone analysis for MOT Coach: rules over Kiwi morphemes, MOT checklist, call metrics.

Pure Python (no Django): the app stores RuleSpec fields in its own model and calls in here.
"""

from .checklist import mot_checklist
from .engine import Analyzer
from .metrics import call_metrics
from .morph import get_kiwi
from .patterns import PatternError, compile_pattern
from .rules import CATEGORIES, FlagHit, RuleSpec, load_starter_rules, validate_rule

__all__ = [
    "Analyzer",
    "CATEGORIES",
    "FlagHit",
    "PatternError",
    "RuleSpec",
    "call_metrics",
    "compile_pattern",
    "get_kiwi",
    "load_starter_rules",
    "mot_checklist",
    "validate_rule",
]
