"""Follow-up after discharge: readmissions, care-home moves and deaths, by hand and in a run.

The hand cases feed chosen uniforms to :class:`leftshift.model.follow_up.FollowUp` (the object
the hospital and the virtual wards call at every discharge alive) and check what it schedules
against arithmetic done on paper from the configured rates. A short run then checks that
readmissions come back through the ED as presentations and that deaths have a place.
"""

import math

import numpy as np
import pandas as pd
import pytest
import simpy
from scipy import stats

from leftshift.analysis.experiment import baseline_of
from leftshift.analysis.virtual_ward_report import matched_follow_up
from leftshift.config import ConfigError, load
from leftshift.config.dimensions import SHAPE
from leftshift.model import metrics, simulate
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.deaths import DeathRegister
from leftshift.model.follow_up import (
    DIED_AFTER,
    MOVED_TO_CARE_HOME,
    READMITTED,
    FollowUp,
    PatientUniforms,
    first_admission_correction,
    follow_draws,
)
from leftshift.model.frames import episodes_frame, presentations_frame, referrals_frame
from leftshift.model.outcomes import outcome_metrics
from leftshift.model.place import MonthlyDynamics, build_place, run_place
from leftshift.model.records import ROUTES, EmergencyBatch, ReferralBatch
from tests.helpers import compose_config, small_config

pytestmark = pytest.mark.unit

MORTALITY = 0.1  # deaths per person-year in every cell of the hand cases
OLD_Q1 = int(np.ravel_multi_index((4, 0, 0, 0, 0), SHAPE))  # 75-84, most deprived, fit
YOUNG_Q5 = int(np.ravel_multi_index((1, 4, 0, 0, 0), SHAPE))  # 18-49, least deprived


def _uniforms(readmit=1.0, readmit_day=0.0, home=1.0, home_day=0.0, death=1.0, death_day=0.0):
    return np.array([readmit, readmit_day, home, home_day, death, death_day, 1.0], np.float32)


@pytest.fixture(scope="module")
def cfg():
    return load(
        {
            "run": {"start_date": "2024-04-01", "horizon_years": 1, "warmup_months": 0},
            "outcomes": {"follow_up": {"enabled": True}},
        }
    )


@pytest.fixture
def follow_up(cfg):
    env = simpy.Environment()
    presented: list[tuple[float, int]] = []
    register = DeathRegister()
    f = FollowUp(
        env,
        cfg,
        np.ones(SHAPE),
        np.full(SHAPE, MORTALITY),
        register,
        lambda times, cells, keys, sites: presented.extend(
            zip(times.tolist(), cells.tolist(), strict=True)
        ),
    )
    return cfg, env, f, presented, register


def test_rates_by_hand(follow_up):
    cfg, _, f, _, _ = follow_up
    # death within 90 days at twice the cell's hazard of 0.1 a year
    assert f.p_death[OLD_Q1] == pytest.approx(1 - math.exp(-2 * 0.1 * 90 / DAYS_PER_YEAR))
    # 14.9% of discharges readmitted in Q1, 12.7% in Q5 (presentation scale 1 here); those
    # who die after discharge are not readmitted, so survivors take the rate / (1 - p_death)
    survive = math.exp(-2 * 0.1 * 90 / DAYS_PER_YEAR)
    assert f.p_readmit[OLD_Q1] == pytest.approx(0.149 / survive)
    assert f.p_readmit[YOUNG_Q5] == pytest.approx(0.127 / survive)
    # 4.2% of people 65+ move into a care home, 1% of them at discharge (pathway 3): the
    # follow-up moves (0.042 - 0.01) / (1 - 0.01) of those not on pathway 3
    assert cfg.social_care.pathway_shares_65_plus[3] == 0.01
    assert f.p_care_home == pytest.approx(0.032 / 0.99)


def test_a_readmission_is_presented_on_its_day(follow_up):
    _, env, f, presented, register = follow_up
    # u 0.1 < 0.149 / 0.952: readmitted; 0.5 of the 30-day window is 15 days after day 11 (the day
    # after the discharge day 10), at the start of the day
    found = f.discharged(10.25, OLD_Q1, _uniforms(readmit=0.1, readmit_day=0.5))
    assert found == READMITTED
    # u 0.135 is not below Q5's 0.127 / 0.952 = 0.1334
    assert f.discharged(10.25, YOUNG_Q5, _uniforms(readmit=0.135, readmit_day=0.5)) == 0
    env.run(until=60)
    assert presented == [(pytest.approx(26.0), OLD_Q1)]
    assert len(register) == 0


def test_a_readmission_returns_to_the_site_the_patient_left(follow_up):
    """The follow-up carries the site to the day's presentations, and the readmission batch
    puts each patient in a pool of that site (two sites of two pools: code = site x 2 +
    specialty), drawing no site."""
    cfg, env, _, _, register = follow_up
    got: list[int] = []
    f = FollowUp(
        env,
        cfg,
        np.ones(SHAPE),
        np.full(SHAPE, MORTALITY),
        register,
        lambda times, cells, keys, sites: got.extend(sites.tolist()),
    )
    for site in (1, 0, 1):
        f.discharged(10.25, OLD_Q1, _uniforms(readmit=0.0, readmit_day=0.5), site=site)
    env.run(until=60)
    assert sorted(got) == [0, 1, 1]
    two_sites = small_config(place={"acute_site_shares": [0.5, 0.5]})
    demand = build_place(two_sites, 3).demand
    n = 400
    sites = np.arange(n) % 2
    batch = demand.readmission_batch(
        np.linspace(0.0, 0.9, n), np.full(n, OLD_Q1), np.arange(n, dtype=np.uint64) + 7, sites
    )
    assert batch.pool is not None
    assert (batch.pool // 2 == sites).all()
    drawn = demand.readmission_batch(
        np.linspace(0.0, 0.9, n), np.full(n, OLD_Q1), np.arange(n, dtype=np.uint64) + 7
    )
    assert drawn.pool is not None and (drawn.pool // 2 != sites).any()  # without: drawn


def test_death_after_discharge_moves_first_and_cancels_the_readmission(follow_up):
    _, env, f, presented, register = follow_up
    u = _uniforms(readmit=0.0, readmit_day=0.5, home=0.01, home_day=0.2, death=0.001, death_day=0.5)
    found = f.discharged(100.0, OLD_Q1, u)
    assert found == DIED_AFTER | MOVED_TO_CARE_HOME
    # dies 45 days after discharge (half of 90); moved in on day 18 and stays until death
    assert register.pending == [(pytest.approx(145.0), OLD_Q1)]
    assert f.move_times == [pytest.approx(118.0)]
    assert f.move_ends == [pytest.approx(145.0)]
    env.run(until=200)
    assert presented == []  # a person who dies after discharge is not readmitted
    # a person under 65 never moves into a care home; pathway 3 already went to one
    assert f.discharged(100.0, YOUNG_Q5, _uniforms(home=0.0)) == 0
    assert f.discharged(100.0, OLD_Q1, _uniforms(home=0.0), pathway=3) == 0


def test_virtual_ward_step_ups_take_the_hospital_at_home_relative_risks(follow_up):
    _, _, f, _, _ = follow_up
    # readmission 0.149 / 0.952 = 0.157, x 1.14 = 0.178: u 0.16 readmits a step-up only
    assert f.discharged(5.0, OLD_Q1, _uniforms(readmit=0.16), step_up=True) == READMITTED
    assert f.discharged(5.0, OLD_Q1, _uniforms(readmit=0.16)) == 0
    # care home after a virtual stay (no pathway 3): 0.042, x 0.53 = 0.0223 for a step-up;
    # after an acute stay 0.0323 (pathway 3 took 0.01)
    home = _uniforms(home=0.03)
    assert f.discharged(5.0, OLD_Q1, home, step_up=True, virtual_ward=True) == 0
    assert f.discharged(5.0, OLD_Q1, home, virtual_ward=True) == MOVED_TO_CARE_HOME
    assert f.discharged(5.0, OLD_Q1, home) == MOVED_TO_CARE_HOME
    assert f.discharged(5.0, OLD_Q1, _uniforms(home=0.035)) == 0
    step_up = {"step_up": True, "virtual_ward": True}
    assert f.discharged(5.0, OLD_Q1, _uniforms(home=0.02), **step_up) == MOVED_TO_CARE_HOME
    # death on the ward: u 0.9 >= 0.88 survives, 0.5 does not
    assert f.survives_virtual_ward(np.array([1, 1, 1, 1, 1, 1, 0.9], np.float32))
    assert not f.survives_virtual_ward(np.array([1, 1, 1, 1, 1, 1, 0.5], np.float32))


def test_bad_follow_up_inputs_fail_naming_the_key():
    """Negative rates and relative risks <= 0 are refused before a run, each by its key."""
    bad = {
        "readmission_30d_by_imd": [0.149, 0.14, -0.1, 0.13, 0.127],
        "care_home_entry_65_plus": -0.01,
        "death_after_discharge_hazard_ratio": -1.0,
        "vw_care_home_relative_risk": {"mean": 0.5, "low": -0.2, "high": 1.7},
    }
    with pytest.raises(ConfigError) as error:
        load({"outcomes": {"follow_up": bad}})
    text = str(error.value)
    for key in (
        "readmission_30d_by_imd",
        "care_home_entry_65_plus",
        "death_after_discharge_hazard_ratio",
        "vw_care_home_relative_risk.low = -0.2",
    ):
        assert f"outcomes.follow_up.{key}" in text
    # a relative risk of 0 is inside the leaf's range but no risk at all
    zero = {"vw_death_relative_risk": {"mean": 0.0, "low": 0.0, "high": 0.0}}
    with pytest.raises(ConfigError, match="vw_death_relative_risk.mean = 0.0: a relative risk"):
        load({"outcomes": {"follow_up": zero}})


def test_a_readmission_loses_qalys_like_any_admission(cfg):
    """QALY account by hand: a COPD exacerbation admitted, discharged and readmitted.

    Two admissions of the same person (the second by the readmission route), each losing
    ``qaly_loss_per_copd_exacerbation`` (0.02) in the month of admission: 0.02 in April,
    0.02 in May, and nothing else (no elective, no waiting, nothing lived counted here).
    """
    calendar = Calendar(cfg.run.start_date, 12, 0)
    first = EmergencyBatch(
        time=np.array([10.0]),
        cell=np.array([OLD_Q1]),
        complex=np.array([False]),
        marginal=np.array([False]),
        base_los=np.array([3.0]),
        u_admit=np.zeros(1),
        cause=np.array([1], np.int8),
    )
    again = EmergencyBatch(
        time=np.array([40.0]),
        cell=np.array([OLD_Q1]),
        complex=np.array([False]),
        marginal=np.array([False]),
        base_los=np.array([3.0]),
        u_admit=np.zeros(1),
        cause=np.array([1], np.int8),
        route=ROUTES.index("readmission"),
    )
    first.record_stay(0, 10.0, 3.0, 3.0)
    first.follow_outcome[0] = READMITTED
    again.record_stay(0, 40.0, 3.0, 3.0)
    for b in (first, again):
        b.finalise()
    presentations = presentations_frame([first, again], calendar.end_day)
    assert presentations["readmitted"].tolist() == [True, False]
    assert presentations["route"].tolist() == ["emergency_department", "readmission"]
    none = np.zeros(0)
    referrals = referrals_frame(
        [
            ReferralBatch(
                none, none.astype(np.int64), none.astype(bool), none.astype(bool), none, none
            )
        ]
    )
    episodes = episodes_frame(presentations, referrals)
    out = outcome_metrics(cfg, calendar, episodes, presentations, referrals, np.zeros((12, 5)))
    loss = out[metrics.QALY_LOSS_ADMISSIONS]
    assert loss[:2] == pytest.approx([0.02, 0.02])
    assert loss[2:].sum() == 0
    assert out[metrics.QALYS].sum() == pytest.approx(-0.04)


def test_matched_comparison_by_hand():
    """Two strata; step-ups' events against the admitted rate of their own stratum."""
    labels = {"cause": "other", "age_band": "75-84", "frailty": "fit", "imd_quintile": "Q1"}
    other = {**labels, "frailty": "severe"}

    def stay(stratum, died=False, readmitted=False, home=False, kind="step_up_avoided"):
        return {**stratum, "kind": kind, "end_day": 50.0, "escalated": False, "died": died,
                "died_after_discharge": False, "readmitted": readmitted,
                "moved_to_care_home": home}  # fmt: skip

    def admitted(stratum, died=False, readmitted=False, home=False):
        return {**stratum, "outcome": "admitted", "route": "emergency_department",
                "case_mix": "routine", "marginal": False, "died_in_hospital": died,
                "step_down_days": 0.0, "bed_start_day": 10.0, "los_days": 5.0,
                "discharge_pathway": 0,
                "died_after_discharge": False, "readmitted": readmitted,
                "moved_to_care_home": home}  # fmt: skip

    stays = pd.DataFrame(
        [stay(labels, readmitted=True), stay(labels), stay(other, home=True)]
        + [stay(labels, died=True, kind="step_down")]  # not a step-up: left out
    )
    presentations = pd.DataFrame(
        [admitted(labels, readmitted=True), admitted(labels, died=True)]
        + [admitted(labels), admitted(labels, home=True)]
        + [admitted(other, home=True), admitted(other)]
    )
    out = matched_follow_up(presentations, stays, end_day=100.0).set_index("outcome")
    # stratum 1: 2 step-ups, admitted readmission 1/4, death 1/4, care home 1/4
    # stratum 2: 1 step-up, admitted care home 1/2
    assert out.loc["readmission", "events"] == 1
    assert out.loc["readmission", "expected_as_admitted"] == pytest.approx(2 * 0.25)
    assert out.loc["readmission", "ratio"] == pytest.approx(2.0)
    assert out.loc["death", "ratio"] == 0
    assert out.loc["care_home", "expected_as_admitted"] == pytest.approx(2 * 0.25 + 0.5)
    assert out.loc["care_home", "ratio"] == pytest.approx(1.0)
    assert (out["step_ups_matched"] == 3).all()


def test_readmissions_come_back_through_the_ed_and_deaths_have_a_place():
    cfg = small_config(
        run={"horizon_years": 1, "warmup_months": 6}, outcomes={"follow_up": {"enabled": True}}
    )
    r = simulate(cfg, 0)
    p = r.presentations
    readmitted = p[p["route"] == "readmission"]
    # they take the ED path: most are admitted, marginal ones may be sent home
    outcomes = set(readmitted["outcome"].astype(str))
    assert "admitted" in outcomes and outcomes <= {"admitted", "not_admitted", "boarding_at_end"}
    total = lambda name: r.metric(name).sum()  # noqa: E731
    # admitted readmissions are emergency admissions; about 12.7-14.9% of discharges followed
    share = total(metrics.EMERGENCY_READMISSIONS) / total(metrics.DISCHARGES_FOLLOWED)
    assert 0.10 < share < 0.16
    assert total(metrics.EMERGENCY_READMISSIONS) < total(metrics.ADMISSIONS_EMERGENCY)
    assert total(metrics.DEATHS_AFTER_DISCHARGE) > 0
    # every death in one place: the places add up to the deaths by quintile in every month
    # the population has closed (the last month's deaths never reach it; also an invariant)
    closed = slice(0, -1)
    places = sum(r.metric(n).to_numpy()[closed] for n in metrics.DEATHS_BY_PLACE.names())
    by_imd = sum(r.metric(n).to_numpy()[closed] for n in metrics.DEATHS_BY_IMD.names())
    assert places == pytest.approx(by_imd)
    assert total(metrics.DEATHS_BY_PLACE.name("home_after_virtual_ward")) == 0
    assert r.virtual_ward_stays.empty  # no virtual wards in the baseline
    # care-home moves cost the local authority
    moved = r.ledger[r.ledger["cause"] == "care_home_moves_after_discharge"]
    assert (moved["organisation"] == "local_authority_social_care").all()
    assert moved["amount_gbp"].sum() > 0 if total(metrics.CARE_HOME_MOVES_AFTER_DISCHARGE) else True


def matched_ratios(overrides: tuple[str, ...], seeds: range) -> pd.DataFrame:
    """matched_follow_up of the virtual-ward arm and its baseline, one row per seed and outcome."""
    cfg = compose_config("outcomes.follow_up.enabled=true", *overrides)
    baseline = baseline_of(cfg)
    rows = []
    for seed in seeds:
        r = simulate(cfg, seed)
        base = simulate(baseline, seed)
        end = r.live_counts["end_day"]
        table = matched_follow_up(base.presentations, r.virtual_ward_stays, end)
        rows.append(table.assign(seed=seed))
    return pd.concat(rows, ignore_index=True)


def ratio_interval(per_seed: pd.DataFrame, outcome: str) -> tuple[float, float, float]:
    """Mean ratio over seeds and its 95% t-interval."""
    values = per_seed.loc[per_seed["outcome"] == outcome, "ratio"].to_numpy(float)
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(values.mean() - half), float(values.mean() + half)


#: the run behind docs/validation.md "Hospital at home against the Cochrane review"
COCHRANE_RUN = ("experiment=vw_national_ambition", "run.horizon_years=4")


@pytest.mark.slow
def test_step_ups_follow_the_cochrane_directions_against_matched_admitted_patients():
    """Death similar, readmission similar or higher, care-home moves lower (Edgar 2024).

    Default place, the national ambition, 4 years, 6 replications: each replication's
    step-ups against matched admitted patients of its baseline arm (same seed); the interval
    is over replications.
    """
    per_seed = matched_ratios(COCHRANE_RUN, range(6))
    death = ratio_interval(per_seed, "death")
    readmission = ratio_interval(per_seed, "readmission")
    care_home = ratio_interval(per_seed, "care_home")
    print(per_seed.groupby("outcome")[["step_ups_matched", "events", "ratio"]].mean())  # noqa: T201
    print({"death": death, "readmission": readmission, "care_home": care_home})  # noqa: T201
    # death similar: the interval lies within the review's 0.68-1.13 band widened a little
    assert 0.6 < death[1] and death[2] < 1.25
    # readmission similar or higher: no sign of fewer readmissions
    assert readmission[2] > 1.0 and readmission[0] > 0.95
    # care-home moves lower: the whole interval below 1
    assert care_home[2] < 1.0


def test_a_readmission_draws_the_same_numbers_whoever_else_is_readmitted():
    """Common random numbers for readmissions: draws are keyed by the patient, not position."""
    alone = PatientUniforms(np.array([7], np.uint64))
    crowd = PatientUniforms(np.array([3, 7, 11], np.uint64))
    assert alone.random((5, 1))[:, 0] == pytest.approx(crowd.random((5, 3))[:, 1])
    assert alone.random(1)[0] == pytest.approx(crowd.random(3)[1])  # the next draw too
    follow = follow_draws(crowd, 3)
    assert follow.shape == (3, 7) and follow.dtype == np.float32
    # a patient's follow-up draws are theirs in a day of 6, 7 or 8 patients (until
    # 2026-12-05 a batch of exactly 7 was not transposed: each took one draw of everyone's)
    for size in (6, 7, 8):
        keys = np.arange(100, 100 + size, dtype=np.uint64)
        keys[0] = 7
        day = PatientUniforms(keys)
        day.random((5, size)), day.random(size)
        assert np.array_equal(follow_draws(day, size)[0], follow[1]), size
    with pytest.raises(ValueError, match=r"\(k, 3\) expected"):
        crowd.random((3, 7))
    many = PatientUniforms(np.arange(20_000, dtype=np.uint64)).random((2, 20_000))
    assert 0 <= many.min() and many.max() < 1
    assert many.mean() == pytest.approx(0.5, abs=0.01)
    assert many.var() == pytest.approx(1 / 12, abs=0.005)


def test_patient_draws_do_not_depend_on_how_they_are_requested():
    """Draws are hashed ahead in blocks (PatientUniforms.BLOCK rows); draw j of a patient is
    the same however the requests before it were split, past the end of a block too, and a
    returned array is the caller's own."""
    keys = np.array([5, 9, 2**63 + 1], np.uint64)
    once = PatientUniforms(keys).random((80, 3))
    split = PatientUniforms(keys)
    parts = [split.random((k, 3)) for k in (6, 1, 30, 7, 36)]
    assert np.array_equal(np.concatenate(parts), once)  # bit for bit
    mine = PatientUniforms(keys)
    first = mine.random((2, 3))
    first[:] = -1.0
    assert np.array_equal(mine.random((2, 3)), once[2:4])
    assert np.array_equal(PatientUniforms(keys).random((2, 3)), once[:2])


def test_first_admissions_and_realised_readmissions_make_the_configured_total():
    """Calibrated demand is a total, readmissions included, also where beds limit electives.

    Twice the elective referrals at the small place: the list grows and beds, not the list,
    set how many electives are treated, so the ex-ante estimate of their readmissions (from
    a steady list) is too high, and first-admission demand about 9% too low.
    Each warm-up year's count corrects it (two years: the second catches most of what the
    first leaves, as the extra emergency admissions take beds from electives). In the
    reported year the first presentations (each weighted back to the configured total of
    its cell) and the readmissions expected of the discharges that happened come to the
    configured total within 2.5% (seeds 0-3: -0.3% to +1.6%)."""
    referrals = [2 * r for r in load({}).demand.elective_referrals_per_1000_by_age]
    cfg = small_config(
        run={"horizon_years": 1, "warmup_months": 24},
        demand={"elective_referrals_per_1000_by_age": referrals},
        outcomes={"follow_up": {"enabled": True}},
    )
    place = build_place(cfg, 0)
    run_place(place, dynamics := MonthlyDynamics(place))
    d, f = place.demand, place.follow_up
    assert f is not None
    # the warm-up found fewer readmissions than the ex-ante estimate: first admissions rise
    assert d.first_admission_correction > 1.05
    assert dynamics.last_correction == place.calendar.reporting_start_day
    share = 1.0 - (1.0 - d.readmitted_share) * d.first_admission_correction
    left = first_admission_correction(
        place.emergency_batches,
        np.asarray(f.discharge_times),
        np.asarray(f.readmission_p),
        share,
        place.calendar.reporting_start_day,
        place.calendar.end_day,
    )
    assert left == pytest.approx(1.0, abs=0.025)
