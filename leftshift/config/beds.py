"""How a place's G&A beds are split into specialty pools (used by validation and the model)."""

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leftshift.config.schema import Config


def split_beds(beds: int, shares: Sequence[float]) -> list[int]:
    """Whole beds in proportion to ``shares``, adding up to ``beds`` (largest remainder)."""
    raw = [beds * share for share in shares]
    whole = [math.floor(r) for r in raw]
    for k in sorted(range(len(raw)), key=lambda k: whole[k] - raw[k])[: beds - sum(whole)]:
        whole[k] += 1
    return whole


def site_pools(cfg: "Config") -> list[list[tuple[str, int, int]]]:
    """For each acute site, (name, core beds, escalation beds) of its pools.

    The G&A, escalation and hub beds are split between sites by ``place.acute_site_shares``
    (largest remainder), then each site's G&A beds between one pool, or medical and surgical
    by ``place.pool_bed_shares``; escalation beds are medical (they open when medical
    patients board in ED) and a site's hub is taken from its surgical beds.
    """
    place = cfg.place
    shares = place.acute_site_shares or [1.0]
    escalation_beds = (
        place.escalation_beds
        if place.escalation_bed_share is None
        else math.floor(place.escalation_bed_share * place.general_acute_beds + 0.5)
    )
    sites = zip(
        split_beds(place.general_acute_beds, shares),
        split_beds(escalation_beds, shares),
        split_beds(place.ring_fenced_elective_beds, shares),
        strict=True,
    )
    out: list[list[tuple[str, int, int]]] = []
    for beds, escalation, hub in sites:
        if not cfg.hospital.specialty_pools:
            out.append([("all", beds, escalation)])
            continue
        whole = split_beds(beds, place.pool_bed_shares)
        pools = [("medical", whole[0], escalation), ("surgical", whole[1] - hub, 0)]
        out.append(pools + ([("hub", hub, 0)] if hub else []))
    return out
