"""Whole-model checks: calibration of defaults, invariants, reproducibility."""

import numpy as np
import pytest
import simpy

import leftshift
from leftshift.analysis.experiment import run_experiment
from leftshift.config import load
from leftshift.model import metrics, simulate
from leftshift.model.frames import by_month
from leftshift.model.hospital import Hospital, WaitingList
from leftshift.model.invariants import InvariantError
from leftshift.model.population import Population
from leftshift.model.rng import Streams
from tests.helpers import TEST_JOBS, assert_same_table, compose_config, small_config

pytestmark = pytest.mark.integration


#: years 1-2 of the default: the projected population grows and ages from the start of
#: reporting and the capacity plan does not keep up, so later years drift out of today's ranges
#: by design (issue 18); the published ranges describe today
CALIBRATION_YEARS = 2


@pytest.fixture(scope="module")
def calibration_runs():
    return run_experiment(
        load(
            {
                "run": {
                    "replications": 5,
                    "n_jobs": TEST_JOBS,
                    "horizon_years": CALIBRATION_YEARS,
                }
            }
        )
    )


def test_calibration_of_default_place(calibration_runs):
    """Targets from ../shared/evidence/parameters.md (the issue's calibration list), and issue
    16's exit block (docs/validation.md, "Exit block"), years 1-2 of the projected default:
    midnight occupancy 90-96% (KH03 counts at midnight) and the activity rates in every
    seed; 4h+ 25-45% and 12h+ 5-12% of admissions via ED from decision to admit on average
    over the seeds (one seed's two years swing from 6% to 17% in the 12-hour share, even
    with a stationary population: docs/validation.md, "The projected default"); a winter peak
    in both in every seed."""
    _assert_calibrated(calibration_runs.outputs)


def _assert_calibrated(outputs):
    for out in outputs:
        s = out.summary
        assert 0.90 <= s["mean_occupancy"] <= 0.96
        assert 0.90 <= s["mean_occupancy_midnight"] <= 0.96
        assert 85 <= s["emergency_admissions_per_1000_per_year"] <= 105
        assert 560 <= s["bed_days_per_1000_per_year"] <= 690
        assert s["waiting_list_year_1"] > 0
        assert 0.5 <= s["waiting_list_final_year"] / s["waiting_list_year_1"] <= 1.5
        assert 0.40 <= s["waiting_list_18wk_share"] <= 0.80
        wide = by_month(out.monthly)
        month = out.monthly.drop_duplicates("month").set_index("month")["period_start"]
        winter = np.isin(month.loc[wide.index].dt.month.to_numpy(), [12, 1, 2])
        for waits in (metrics.ED_WAITS_4H_PLUS, metrics.ED_WAITS_12H_PLUS):
            share = wide[waits] / wide[metrics.ADMISSIONS_VIA_ED]
            assert share[winter].mean() > share[~winter].mean()
    four = np.mean([out.summary["ed_waits_4h_plus_share"] for out in outputs])
    twelve = np.mean([out.summary["ed_waits_12h_plus_share"] for out in outputs])
    assert 0.25 <= four <= 0.45
    assert 0.05 <= twelve <= 0.12


@pytest.mark.slow  # five 2-year runs of 1.5 million people: about a minute on two cores
@pytest.mark.timeout(3600)
def test_calibration_of_icb_place():
    """Issue 16: the ICB place (five acute sites, not fitted) lands in the same per-admission
    ranges as the default place it was not tuned on (docs/validation.md, "Exit block")."""
    runs = run_experiment(
        compose_config(
            "place=icb",
            "run.replications=5",
            f"run.horizon_years={CALIBRATION_YEARS}",
            f"run.n_jobs={TEST_JOBS}",
        )
    )
    _assert_calibrated(runs.outputs)


def test_delayed_discharges_calibration_of_default_place(calibration_runs):
    """NHS discharge sitrep: about 1 in 7 occupied G&A beds hold a patient with no criteria
    to reside (the default scenario is social_care=delays: the same runs as the calibration
    above, so they are simulated once; test_one_default checks the two are the same config)."""
    for out in calibration_runs.outputs:
        m = out.monthly.pivot(index="month", columns="metric", values="value")
        delayed = m["delayed_discharge_patients"].sum() / m["occupied_beds"].sum()
        assert 0.10 <= delayed <= 0.18
    # the local authority pays for the places in use
    ledger = calibration_runs.ledger()
    la = ledger[ledger["organisation"] == "local_authority_social_care"]
    assert la["amount_gbp"].sum() > 0 and set(la["category"]) == {"social_care_packages"}


def test_population_grows_with_the_projection_with_hospital_deaths(calibration_runs):
    """With deaths in hospital taken out by the hospital run, the place grows as projected
    (about 0.7% a year over 2025-2027 in the shipped table), not faster or slower."""
    for out in calibration_runs.outputs:
        pop = out.monthly[out.monthly["metric"] == "population"]["value"].to_numpy()
        assert 0.005 < pop[-1] / pop[0] - 1 < 0.03
        m = out.monthly.pivot(index="month", columns="metric", values="value")
        places = [m[name].sum() for name in metrics.DEATHS_BY_PLACE.names()]
        share = m[metrics.DEATHS_BY_PLACE.name("hospital")].sum() / sum(places)
        assert 0.3 < share < 0.6  # configured 0.44; the rest die in the community


def test_people_in_a_severe_state_are_counted_once(calibration_runs):
    """The union of severe frailty, GOLD 3-4 and NYHA III-IV: at least the largest group, and
    less than the three summed, because some people are in more than one."""
    m = calibration_runs.outputs[0].monthly.pivot(index="month", columns="metric", values="value")
    groups = m[["people_frailty_severe", "people_copd_severe", "people_heart_failure_severe"]]
    union = m["people_in_a_severe_state"]
    assert (union >= groups.max(axis=1)).all()
    assert (union < groups.sum(axis=1)).all()


def test_every_admission_is_accounted_for(calibration_runs):
    res = calibration_runs.full("baseline")
    ep = res.episodes
    end = res.live_counts["end_day"]
    in_bed = (ep["discharge_day"] >= end).sum()
    # the capacity plan adds beds from year 2: no more in bed than were ever open
    assert in_bed <= res.metric("open_beds").max()
    assert (ep["los_days"] > 0).all()
    assert (ep["admission_day"] >= ep["arrival_day"]).all()
    p = res.presentations
    assert set(p["outcome"]) <= {"admitted", "not_admitted", "boarding_at_end", "diverted"}
    r = res.referrals
    treated = r[r["exit_reason"] == "treated"]
    assert (treated["exit_day"] >= treated["referral_day"]).all()


def test_monthly_occupancy_never_above_stock(calibration_runs):
    res = calibration_runs.full("baseline")
    occ = res.metric("occupancy")
    assert occ.max() <= 1.0 and occ.min() > 0


def test_full_bed_raises_invariant_error():
    cfg = small_config()
    wl = WaitingList(28, 126)
    hospital = Hospital(simpy.Environment(), cfg, wl)
    hospital.medical.occupied = hospital.medical.open_beds
    from leftshift.model.records import EmergencyBatch

    batch = EmergencyBatch(*(np.zeros(1) for _ in range(6)))
    with pytest.raises(InvariantError, match="exceed open beds"):
        hospital._start_stay(batch, 0, hospital.medical)


def test_population_tampering_is_caught():
    pop = Population(small_config(), Streams(1)["population"])
    pop.counts[3, 0, 0] += 1
    with pytest.raises(InvariantError, match="not conserved"):
        pop.check_conservation()


def _add(name, amount):
    def tamper(dynamics):
        getattr(dynamics, name)[-3] += amount

    return tamper


def _stock_loses_one_more(dynamics):
    dynamics.place.population.deaths += 1


@pytest.mark.parametrize(
    "tamper, message",
    [
        (_add("register_deaths", 1), "register"),
        (_add("deaths_by_month", 0.5), "IMD"),
        (_add("crowding_deaths", 0.5), "crowding"),
        (_stock_loses_one_more, "stock"),
    ],
)
def test_reported_deaths_reconcile_with_the_register_and_the_stock(tamper, message):
    """A death reported but not taken from the stock (or taken and not reported) is an error."""
    from leftshift.model.place import MonthlyDynamics, build_place, collect, run_place

    cfg = small_config(run={"horizon_years": 1, "warmup_months": 1})
    place = build_place(cfg, 3)
    dynamics = MonthlyDynamics(place)
    run_place(place, dynamics)
    assert dynamics.register_deaths[:-1].sum() > 0  # the check has deaths to reconcile
    collect(place, dynamics)  # untouched: reconciles
    tamper(dynamics)
    with pytest.raises(InvariantError, match=message):
        collect(place, dynamics)


def test_letting_the_records_go_changes_no_table():
    """``collect(release=True)``, as simulate calls it, builds the same tables and lets go of
    the event batches (issue 22: they put about 400 MiB on an ICB run's peak)."""
    from leftshift.model.place import MonthlyDynamics, build_place, collect, run_place

    cfg = small_config(run={"horizon_years": 1, "warmup_months": 1})
    results = []
    for release in (False, True):
        place = build_place(cfg, 5)
        dynamics = MonthlyDynamics(place)
        run_place(place, dynamics)
        assert place.emergency_batches and place.waiting_list.batches
        results.append(collect(place, dynamics, release=release))
        assert bool(place.emergency_batches) is not release
        assert bool(place.waiting_list.batches) is not release
    kept, released = results
    for table in ("monthly", "ledger", "episodes", "presentations", "referrals"):
        assert_same_table(getattr(kept, table), getattr(released, table))
    assert kept.summary == released.summary


@pytest.mark.parametrize("beds, crowded", [(150, True), (260, False)])
def test_ed_waits_from_decision_to_admit_follow_the_beds(beds, crowded):
    """Trolley waits (4h+, 12h+) appear when beds are short and vanish when they are not."""
    from leftshift.model.frames import by_month

    cfg = small_config(
        place={"general_acute_beds": beds, "escalation_beds": 0},
        run={"horizon_years": 1, "warmup_months": 3},
    )
    wide = by_month(simulate(cfg, 5).monthly)
    via_ed, four, twelve = (
        wide[name].sum() for name in ("admissions_via_ed", "ed_waits_4h_plus", "ed_waits_12h_plus")
    )
    assert via_ed == wide["admissions_emergency"].sum()  # no virtual wards: every one via ED
    assert twelve <= four <= via_ed
    assert (four > 0.05 * via_ed) if crowded else (four == 0)
    for when in ("occupancy_midnight", "occupancy_midday"):
        assert ((wide[when] > 0) & (wide[when] <= 1)).all()


def test_same_seed_same_results():
    cfg = small_config(run={"horizon_years": 2})
    a, b = simulate(cfg, 99), simulate(cfg, 99)
    assert_same_table(a.monthly, b.monthly)
    assert_same_table(a.episodes, b.episodes)
    assert not simulate(cfg, 100).monthly["value"].equals(a.monthly["value"])


def test_parallel_equals_sequential(tmp_path):
    cfg = dict(
        interventions={"emergency_demand_multiplier": {"value": 0.9}},
        # one reporting year: the bytes are the same or not whatever the horizon; 3 x 2
        # replications on 2 workers still finish out of order
        run={"horizon_years": 1, "warmup_months": 3, "replications": 3},
    )
    seq = run_experiment(small_config(**{**cfg, "run": {**cfg["run"], "n_jobs": 1}}))
    par = run_experiment(small_config(**{**cfg, "run": {**cfg["run"], "n_jobs": 2}}))
    seq.monthly().to_parquet(tmp_path / "a.parquet")
    par.monthly().to_parquet(tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_api_run_matches_replication_zero():
    cfg = small_config(run={"horizon_years": 1, "replications": 2})
    direct = leftshift.run(cfg)
    via_experiment = run_experiment(cfg).full("baseline")
    assert_same_table(direct.monthly, via_experiment.monthly)


def test_waiting_list_serves_earliest_due_first():
    from leftshift.model.records import ReferralBatch

    wl = WaitingList(urgent_target_days=28, routine_target_days=126)
    batch = ReferralBatch(
        time=np.array([0.0, 50.0, 60.0, 70.0]),
        cell=np.zeros(4, int),
        urgent=np.array([False, True, False, True]),
        complex=np.zeros(4, bool),
        base_los=np.ones(4),
        removal_time=np.array([np.inf, np.inf, 65.0, np.inf]),
    )
    wl.add_batch(batch)
    wl.enqueue_until(100.0)
    order = [wl.pop_next(100.0)[1] for _ in range(3)]
    # due dates: 126, 78, (removed at 65), 98 -> urgent referred at 50, urgent at 70, routine at 0
    assert order == [1, 3, 0]
    assert wl.pop_next(100.0) is None
    assert batch.exit_reason[2] == 2 and batch.exit_time[2] == 65.0


def test_escalation_beds_open_under_boarding_and_stay_bounded():
    res = simulate(
        small_config(
            place={"general_acute_beds": 150, "escalation_beds": 10},
            hospital={"escalation_open_boarders": 2},
            run={"horizon_years": 1},
        ),
        4,
    )
    open_beds = res.metric("open_beds")
    assert open_beds.max() > 150 and open_beds.min() >= 150 and open_beds.max() <= 160
