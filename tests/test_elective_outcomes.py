"""Elective health gain and the harm of waiting: a QALY account by hand, and in a real run.

Three patients on the list, with times chosen so the account can be done on paper: one treated
after two months, one on the list from before the run and still waiting at its end, one removed
untreated. Their QALYs go through :func:`leftshift.model.outcomes.elective_qalys`, the function
the simulation calls; a short run then checks that the QALY total is made of its parts.
"""

import numpy as np
import pytest

from leftshift.config import load
from leftshift.model import metrics, simulate
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.frames import ramp_mass, referrals_frame
from leftshift.model.outcomes import elective_qalys
from leftshift.model.psa import sample, uncertain_parameters
from leftshift.model.records import REMOVED, TREATED, ReferralBatch
from tests.helpers import small_config

pytestmark = pytest.mark.unit

GAIN, DECLINE = 1.0, 0.0135  # QALYs per spell; EQ-5D lost per month waited
MONTH_DAYS = DAYS_PER_YEAR / 12


def _referrals(rows):
    """A referrals table from (referral day, exit day, exit code, IMD quintile 0-4) rows."""
    from leftshift.config.dimensions import SHAPE

    n = len(rows)
    imd = np.array([r[3] for r in rows])
    cells = np.ravel_multi_index((np.full(n, 3), imd, np.zeros(n, int), np.zeros(n, int),
                                  np.zeros(n, int)), SHAPE)  # fmt: skip
    batch = ReferralBatch(
        time=np.array([r[0] for r in rows], float),
        cell=cells,
        urgent=np.zeros(n, bool),
        complex=np.zeros(n, bool),
        base_los=np.full(n, 2.0),
        removal_time=np.full(n, np.inf),
    )
    for i, (_, exit_day, code, _) in enumerate(rows):
        batch.exit_time[i] = exit_day
        batch.exit_reason[i] = code
    return referrals_frame([batch])


@pytest.fixture(scope="module")
def account():
    cfg = load(
        {
            "run": {"start_date": "2024-04-01", "horizon_years": 1, "warmup_months": 0},
            "outcomes": {
                "elective_qaly_gain_per_spell": {"mean": GAIN, "low": GAIN, "high": GAIN},
                "waiting_utility_decline_per_month": {
                    "mean": DECLINE,
                    "low": DECLINE,
                    "high": DECLINE,
                },
            },
        }
    )
    calendar = Calendar("2024-04-01", 12, 0)  # April 30 days, May 31: June starts on day 61
    refs = _referrals(
        [
            (0.0, 61.0, TREATED, 0),  # treated on 1 June, most deprived fifth
            (-100.0, np.inf, 0, 4),  # on the list 100 days before the run, still waiting
            (10.0, 200.0, REMOVED, 2),  # removed untreated after 190 days
        ]
    )
    waiting, gain = elective_qalys(cfg, calendar, refs)
    return calendar, waiting, gain


def test_the_treated_patient_gains_in_the_month_of_treatment_only(account):
    _, _, gain = account
    assert gain[2, 0] == GAIN  # June, quintile 1
    assert gain.sum() == GAIN  # the waiting and the removed patient gain nothing


def test_waiting_harm_by_hand(account):
    calendar, waiting, _ = account
    per_day_years = DECLINE / MONTH_DAYS / DAYS_PER_YEAR  # QALYs per day waited, per day
    # treated: utility falls t/30.44 x 0.0135 on day t; April is days 0-30, May 30-61
    assert waiting[0, 0] == pytest.approx(30**2 / 2 * per_day_years)
    assert waiting[1, 0] == pytest.approx((61**2 - 30**2) / 2 * per_day_years)
    assert waiting[2:, 0].sum() == pytest.approx(0.0, abs=1e-15)
    # 61 days = 2.0 months: 0.0135 x 2.0^2 / 24 QALYs in all
    assert waiting[:, 0].sum() == pytest.approx(DECLINE * (61 / MONTH_DAYS) ** 2 / 24)
    # still waiting: from 100 days already waited to the end of the run (only the run counts)
    end = calendar.end_day
    assert waiting[:, 4].sum() == pytest.approx(((end + 100) ** 2 - 100**2) / 2 * per_day_years)
    # removed: 190 days on the list, then nothing
    assert waiting[:, 2].sum() == pytest.approx(190**2 / 2 * per_day_years)
    assert waiting[:, [1, 3]].sum() == 0.0


def test_ramp_mass_matches_the_integral_interval_by_interval():
    rng = np.random.default_rng(7)
    starts = rng.uniform(-60, 300, 500)
    ends = np.minimum(starts + rng.exponential(90, 500), 365.0)
    bounds = np.array([0.0, 30.0, 61.0, 91.0, 200.0, 365.0])
    lo = np.clip(starts[:, None], bounds[:-1], bounds[1:])
    hi = np.clip(ends[:, None], bounds[:-1], bounds[1:])
    exact = (((hi - starts[:, None]) ** 2 - (lo - starts[:, None]) ** 2) / 2).sum(axis=0)
    np.testing.assert_allclose(ramp_mass(starts, ends, bounds), exact, rtol=1e-9)


def test_a_run_adds_the_elective_gain_and_takes_the_waiting_harm():
    cfg = small_config(run={"horizon_years": 1, "warmup_months": 3})
    m = simulate(cfg, 11).monthly.pivot(index="month", columns="metric", values="value")
    gain = cfg.outcomes.elective_qaly_gain_per_spell.mean
    np.testing.assert_allclose(m[metrics.QALY_GAIN_ELECTIVE], gain * m[metrics.ADMISSIONS_ELECTIVE])
    parts = (
        m[metrics.QALYS_LIVED]
        + m[metrics.QALY_GAIN_ELECTIVE]
        - m[metrics.QALY_LOSS_ADMISSIONS]
        - m[metrics.QALY_LOSS_WAITING]
    )
    np.testing.assert_allclose(m[metrics.QALYS], parts, rtol=1e-12)
    assert (m[metrics.QALY_LOSS_WAITING].iloc[3:] > 0).all()


def test_psa_draws_the_elective_gain_and_the_waiting_harm_within_their_ranges():
    cfg = load(None)
    keys = {k for k, _ in uncertain_parameters(cfg)}
    gain_key = "outcomes.elective_qaly_gain_per_spell"
    wait_key = "outcomes.waiting_utility_decline_per_month"
    assert {gain_key, wait_key} <= keys
    drawn = [sample(cfg, seed)[1] for seed in range(5)]
    gains = [d[gain_key] for d in drawn]
    waits = [d[wait_key] for d in drawn]
    assert 0.0 <= min(gains) and max(gains) <= 2.77 and len(set(gains)) == 5
    assert 0.0 <= min(waits) and max(waits) <= 0.027 and len(set(waits)) == 5
