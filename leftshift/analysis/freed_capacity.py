"""The two decisions apart: what an intervention does, and what its freed beds are used for.

``experiment.freed_capacity=both`` runs the scenario twice against one baseline with the same
seeds: ``use`` (freed beds filled from the waiting list, as a hospital would) and ``idle``
(each replication's electives held at its baseline's). Three paired contrasts follow:

* the intervention itself: ``idle`` minus the baseline;
* the use of the freed beds: ``use`` minus ``idle`` (the elective work they take);
* both together: ``use`` minus the baseline (the usual result). The first two add up to it.
"""

from typing import Any

from leftshift.model import metrics

#: the three contrasts, in the order a board reads them: (key, label)
DECISIONS = (
    ("intervention", "the intervention (idle - baseline)"),
    ("use_of_freed_beds", "electives in freed beds (use - idle)"),
    ("together", "both, as run normally (use - baseline)"),
)


def decision_summary(econ: dict[str, Any]) -> dict[str, Any]:
    """One contrast's cost, QALYs, elective part and net monetary benefit (an econ summary's)."""
    outcomes = econ.get("outcomes", {})
    undiscounted = econ["incremental_qalys_undiscounted"]["mean"]
    treatment = outcomes.get(metrics.QALY_GAIN_ELECTIVE, {}).get("mean")
    waiting = outcomes.get(metrics.QALY_LOSS_WAITING, {}).get("mean")
    elective = None if treatment is None or waiting is None else treatment - waiting
    return {
        "incremental_cost_gbp": econ["incremental_cost_gbp"],
        "incremental_qalys": econ["incremental_qalys"],
        "incremental_qalys_undiscounted": undiscounted,
        "elective_qalys_undiscounted": elective,
        "elective_share_of_qalys": (
            None if elective is None or undiscounted == 0 else elective / undiscounted
        ),
        "net_monetary_benefit_gbp": {
            wtp: v["mean"] for wtp, v in econ["net_monetary_benefit_gbp"].items()
        },
        "decision": econ.get("decision", {}).get("sentence"),
    }


def two_decisions(
    intervention: dict[str, Any], use_of_freed_beds: dict[str, Any], together: dict[str, Any]
) -> dict[str, Any]:
    """The summary entry of a ``both`` run, from the three contrasts' economic evaluations."""
    parts = {
        "intervention": intervention,
        "use_of_freed_beds": use_of_freed_beds,
        "together": together,
    }
    return {
        "text": "the same seeds run with the freed beds used and left idle: the intervention"
        " itself is idle minus baseline; what the elective work in the freed beds adds is"
        " use minus idle; the two add up to use minus baseline",
        **{key: decision_summary(parts[key]) for key, _ in DECISIONS},
    }
