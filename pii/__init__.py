"""Personal numbers in Korean call transcripts: find and mask them (pure Python, no Django)."""

from .mask import MASK, PiiSpan, find_pii, mask_pii, mask_transcript, mask_words

__all__ = ["MASK", "PiiSpan", "find_pii", "mask_pii", "mask_transcript", "mask_words"]
