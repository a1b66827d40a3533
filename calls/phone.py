"""Korean phone numbers: normalise what an agent types, format it, and mask it for display."""

import re

_NON_DIGITS = re.compile(r"\D+")


def normalize_phone(raw: str) -> str:
    """Digits only, with +82 turned back into a leading 0 ("+82 10-1234-5678" -> "01012345678")."""
    digits = _NON_DIGITS.sub("", raw or "")
    if digits.startswith("82") and len(digits) >= 11 and raw.strip().startswith("+"):
        digits = "0" + digits[2:]
    return digits


def _groups(digits: str) -> list[str]:
    if len(digits) < 7:
        return [digits]
    if digits.startswith("02"):
        area = digits[:2]
    elif digits.startswith(("15", "16", "18")) and len(digits) == 8:
        return [digits[:4], digits[4:]]  # 1588-1234 style service numbers
    else:
        area = digits[:3]
    rest = digits[len(area) :]
    return [area, rest[:-4], rest[-4:]]


def format_phone(digits: str) -> str:
    return "-".join(g for g in _groups(normalize_phone(digits)) if g)


def mask_phone(digits: str) -> str:
    """Keep the first and last groups: "01012345678" -> "010-****-5678"."""
    digits = normalize_phone(digits)
    if not digits:
        return ""
    groups = _groups(digits)
    if len(groups) == 3:
        return f"{groups[0]}-{'*' * len(groups[1])}-{groups[2]}"
    if len(groups) == 2:
        return f"****-{groups[1]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def is_plausible_phone(digits: str) -> bool:
    return 7 <= len(digits) <= 12
