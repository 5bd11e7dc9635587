"""How a place's G&A beds are split into specialty pools (used by validation and the model)."""

import math
from collections.abc import Sequence


def split_beds(beds: int, shares: Sequence[float]) -> list[int]:
    """Whole beds in proportion to ``shares``, adding up to ``beds`` (largest remainder)."""
    raw = [beds * share for share in shares]
    whole = [math.floor(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: whole[k] - raw[k])[: beds - sum(whole)]:
        whole[k] += 1
    return whole
