"""The population: integer cohort stocks by age band x IMD quintile x frailty, stepped monthly.

Each month every cell loses people to competing risks (death, ageing into the next band, moving
up one frailty level), drawn as one multinomial per cell from the ``population`` stream; births
enter the youngest band as fit, and net migration adds or removes people aged 18-49. People are
conserved exactly: alive = initial + births + migrants in - migrants out - deaths, checked every
step (an :class:`~leftshift.invariants.InvariantError` otherwise).

Further state dimensions (long-term conditions and their stages) are added as extra axes of
``counts``; everything here works over the leading (age, imd, frailty) axes.
"""

import numpy as np

from leftshift.config import AGE_BAND_WIDTH_YEARS, AGE_BANDS, Config, PopulationConfig
from leftshift.invariants import InvariantError

N_AGE, N_IMD, N_FRAILTY = 6, 5, 4
MONTHS_PER_YEAR = 12.0


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder), exactly."""
    weights = np.asarray(weights, dtype=float)
    flat = weights.ravel() / weights.sum()
    raw = flat * total
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    if short:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts.reshape(weights.shape)


def frailty_shares(pop: PopulationConfig) -> np.ndarray:
    """Initial frailty distribution by age band, shape (age, frailty)."""
    mild = np.asarray(pop.frailty_mild_share_by_age)
    moderate = np.asarray(pop.frailty_moderate_share_by_age)
    severe = np.asarray(pop.frailty_severe_share_by_age)
    return np.stack([1.0 - mild - moderate - severe, mild, moderate, severe], axis=1)


def stationary_rates(
    structure: np.ndarray, mortality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Ageing and frailty-transition rates and a birth rate (per year) that hold ``structure``.

    ``structure`` is the population share by (age, frailty) and ``mortality`` the death rate by
    (age, frailty). Births equal deaths (so the size holds); flows then balance cell by cell,
    youngest band and fittest level first: inflow (births, ageing in, frailty in) = stock x
    (death + ageing out + frailty out). The ageing rate of a band balances its total, the frailty
    rates each level; the oldest band and the most frail level then balance by construction.
    A rate that would have to be negative (recovery) is set to zero, leaving a small drift.
    """
    n_age, n_frail = structure.shape
    band = structure.sum(axis=1)
    deaths = (structure * mortality).sum(axis=1)
    birth_rate = float(deaths.sum() / structure.sum())
    ageing = np.zeros(n_age)
    inflow_band = birth_rate
    for k in range(n_age - 1):
        ageing[k] = max(0.0, (inflow_band - deaths[k]) / band[k]) if band[k] > 0 else 0.0
        inflow_band = ageing[k] * band[k]
    frailty = np.zeros((n_age, n_frail))
    for k in range(n_age):
        carried = 0.0  # people moving up from the previous frailty level
        for f in range(n_frail - 1):
            stock = structure[k, f]
            inflow = carried + (ageing[k - 1] * structure[k - 1, f] if k else 0.0)
            if k == 0 and f == 0:
                inflow += birth_rate
            if stock > 0:
                frailty[k, f] = max(0.0, inflow / stock - mortality[k, f] - ageing[k])
            carried = frailty[k, f] * stock
    return ageing, frailty, birth_rate


class Population:
    """Cohort stocks and their monthly transitions."""

    def __init__(self, cfg: Config, rng: np.random.Generator):
        self.cfg = cfg.population
        self.rng = rng
        place = cfg.place
        frail = frailty_shares(self.cfg)
        weights = (
            np.asarray(place.age_shares)[:, None, None]
            * np.asarray(place.imd_shares)[None, :, None]
            * frail[:, None, :]
        )
        self.counts = apportion(place.population, weights)
        self.initial_total = int(self.counts.sum())
        self.initial_counts = self.counts.copy()
        self.births = 0
        self.migrants_in = 0
        self.migrants_out = 0
        self.deaths = 0
        # Mortality by frailty is scaled so each band's initial mean equals the life-table rate.
        hr = np.asarray(self.cfg.frailty_mortality_hr)
        mean_hr = (frail * hr).sum(axis=1)
        band_rate = np.asarray(self.cfg.mortality_per_1000_by_age) / 1000.0
        self.mortality_rate = (band_rate / mean_hr)[:, None] * hr[
            None, :
        ]  # (age, frailty) per year
        self.imd_shares = np.asarray(place.imd_shares)
        if self.cfg.transitions == "stationary":
            structure = np.asarray(place.age_shares)[:, None] * frail  # (age, frailty)
            self.ageing_rate, self.frailty_rate, self.birth_rate = stationary_rates(
                structure, self.mortality_rate
            )
        else:
            self.birth_rate = self.cfg.births_per_1000 / 1000.0
            self.ageing_rate = np.array(
                [0.0 if np.isinf(w) else 1.0 / w for w in AGE_BAND_WIDTH_YEARS]
            )
            onset = np.asarray(self.cfg.frailty_onset_per_1000_by_age) / 1000.0
            prog = np.asarray(self.cfg.frailty_progression_per_1000) / 1000.0
            self.frailty_rate = np.zeros((N_AGE, N_FRAILTY))
            self.frailty_rate[:, 0] = onset
            self.frailty_rate[:, 1] = prog[0]
            self.frailty_rate[:, 2] = prog[1]

    @property
    def total(self) -> int:
        """People alive."""
        return int(self.counts.sum())

    def step_month(self) -> dict[str, np.ndarray]:
        """Advance one month; return this month's deaths by cell and births/migration counts."""
        if self.cfg.static:
            zeros = np.zeros_like(self.counts)
            return {"deaths": zeros, "births": 0, "migrants_in": 0, "migrants_out": 0}
        rng = self.rng
        # competing hazards per cell: death, ageing, frailty up (per year)
        death = np.broadcast_to(self.mortality_rate[:, None, :], self.counts.shape)
        age_up = np.broadcast_to(self.ageing_rate[:, None, None], self.counts.shape)
        frail_up = np.broadcast_to(self.frailty_rate[:, None, :], self.counts.shape)
        hazards = np.stack([death, age_up, frail_up], axis=-1) / MONTHS_PER_YEAR
        total_h = hazards.sum(axis=-1)
        p_leave = -np.expm1(-total_h)
        with np.errstate(invalid="ignore", divide="ignore"):
            split = np.where(total_h[..., None] > 0, hazards / total_h[..., None], 0.0)
        probs = np.concatenate([(1.0 - p_leave)[..., None], p_leave[..., None] * split], axis=-1)
        probs /= probs.sum(axis=-1, keepdims=True)
        moves = rng.multinomial(self.counts, probs)
        died, aged, frailer = moves[..., 1], moves[..., 2], moves[..., 3]
        new = self.counts - died - aged - frailer
        new[1:] += aged[:-1]
        new[:, :, 1:] += frailer[:, :, :-1]
        births = int(rng.poisson(self.birth_rate * self.total / MONTHS_PER_YEAR))
        new[0, :, 0] += rng.multinomial(births, self.imd_shares)
        mig_rate = self.cfg.net_migration_per_1000 / 1000.0 * self.total / MONTHS_PER_YEAR
        mig_in = mig_out = 0
        if mig_rate > 0:
            mig_in = int(rng.poisson(mig_rate))
            new[1, :, 0] += rng.multinomial(mig_in, self.imd_shares)
        elif mig_rate < 0:
            band = new[1]
            p_out = min(1.0, -mig_rate / max(1, band.sum()))
            out = rng.binomial(band, p_out)
            new[1] -= out
            mig_out = int(out.sum())
        self.counts = new
        self.deaths += int(died.sum())
        self.births += births
        self.migrants_in += mig_in
        self.migrants_out += mig_out
        self.check_conservation()
        return {"deaths": died, "births": births, "migrants_in": mig_in, "migrants_out": mig_out}

    def check_conservation(self) -> None:
        """Raise if alive + dead != initial + births + net migration, or a stock is negative."""
        if (self.counts < 0).any():
            raise InvariantError("population: a cohort stock went negative")
        expected = (
            self.initial_total + self.births + self.migrants_in - self.migrants_out - self.deaths
        )
        if self.total != expected:
            raise InvariantError(
                f"population not conserved: alive {self.total} != initial {self.initial_total}"
                f" + births {self.births} + migrants in {self.migrants_in}"
                f" - migrants out {self.migrants_out} - deaths {self.deaths} = {expected}"
            )


__all__ = ["AGE_BANDS", "Population", "apportion", "frailty_shares"]
