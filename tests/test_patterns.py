"""Pattern-oriented validation: the seven patterns of the model brief, emerging from the mechanisms.

Each test builds a scenario that isolates one pattern, runs paired replicates (the same seeds in
both arms) and asserts the direction with a statistical margin: the 95% confidence interval of the
paired difference must exclude zero. Nothing here sets an outcome; if a mechanism changes so that
a pattern no longer emerges, these tests fail.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stakesim.scenarios.loader import apply_override, builtin_path, read_yaml, validate
from stakesim.simulator.interventions import default_spec
from stakesim.simulator.run import run_scenario

REPLICATES = 8


def scenario(name: str = "default", *overrides: str, interventions=(), **top):
    data = read_yaml(builtin_path(name))
    for assignment in overrides:
        apply_override(data, assignment)
    data.update(top)
    data.setdefault("interventions", [])
    data["interventions"] = [*data["interventions"],
                             *[i.model_dump(exclude_none=True) if hasattr(i, "model_dump") else i
                               for i in interventions]]
    return validate(data, f"<{name}>")


def outcomes(sc, metric, replicates: int = REPLICATES) -> np.ndarray:
    """One number per replicate seed; ``metric`` maps a RunResult to it."""
    return np.array([metric(run_scenario(sc, seed=seed)) for seed in range(replicates)])


def paired_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the paired difference a - b."""
    diff = np.asarray(a, float) - np.asarray(b, float)
    mean = diff.mean()
    if diff.std(ddof=1) == 0:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
    return mean, mean - half, mean + half


def assert_greater(a, b, what: str) -> None:
    mean, low, high = paired_interval(a, b)
    assert low > 0, f"{what}: expected a > b; paired difference {mean:.4f} (95% CI {low:.4f} to {high:.4f})"


def phase_mean(column: str, phases: set[str]):
    def metric(result) -> float:
        table = result.timeseries
        return float(table.loc[table["phase"].isin(phases), column].mean())
    return metric


def summary(key: str):
    return lambda result: float(result.summary[key])


def mean_of(column: str):
    return lambda result: float(result.timeseries[column].mean())


# ----------------------------------------------------------------------------- pattern 1
def test_pattern1_trust_is_lost_faster_than_built():
    """A broken commitment costs more trust than a kept one earns, from the same starting trust."""
    settings = ("parameters.experience_weight=0", "parameters.influence_rate=0")
    kept = scenario("default", *settings, "stakeholders.company.reliability=1.0")
    broken = scenario("default", *settings, "stakeholders.company.reliability=0.0")

    def trust_change_after_one_commitment(sc, seed):
        from stakesim.simulator.model import MiningModel

        model = MiningModel(sc, seed=seed)
        before = model.trust("near_community", "company")
        model.make_commitment("company", "near_community", amount=0.05, cost=0.0, due_in=0, monitored=False)
        model.step()
        return model.trust("near_community", "company") - before

    gains = np.array([trust_change_after_one_commitment(kept, s) for s in range(REPLICATES)])
    losses = np.array([trust_change_after_one_commitment(broken, s) for s in range(REPLICATES)])
    assert (gains > 0).all() and (losses < 0).all()
    assert_greater(np.abs(losses), 1.5 * gains, "trust lost by a broken commitment vs 1.5 times that earned by a kept one")


# ----------------------------------------------------------------------------- pattern 2
def test_pattern2_conflict_peaks_around_construction_and_early_operation():
    """Isolated from pattern 4: a capable, honest government, so leakage does not sustain late conflict.

    (In the default scenario, with its low-capacity municipality, grievance against the
    government keeps mobilisation up through late operation: that is pattern 4, not a contradiction.)
    """
    sc = scenario("default", "stakeholders.municipality.capacity=0.7", "stakeholders.municipality.integrity=0.9",
                  "project.phases.construction.impact=0.012", "project.phases.operation.impact=0.001")
    runs = [run_scenario(sc, seed=s).timeseries for s in range(REPLICATES)]
    operation_start = [t.index[t["phase"] == "operation"][0] for t in runs]
    peak_window = np.array([t.loc[start - 24:start + 48, "mobilised_share"].mean()
                            for t, start in zip(runs, operation_start)])
    exploration = np.array([t.loc[t["phase"] == "exploration", "mobilised_share"].mean() for t in runs])
    late = np.array([t.loc[start + 96:, "mobilised_share"].mean() for t, start in zip(runs, operation_start)])
    assert_greater(peak_window, exploration, "mobilisation around construction/early operation vs exploration")
    assert_greater(peak_window, late, "mobilisation around construction/early operation vs late operation")


def test_pattern2_exploration_is_quiet_unless_expectations_start_high():
    high = [f"stakeholders.{c}.expectation=0.9" for c in ("near_community", "valley_community", "town")]
    quiet = outcomes(scenario("default"), phase_mean("mobilised_share", {"exploration"}))
    agitated = outcomes(scenario("default", *high), phase_mean("mobilised_share", {"exploration"}))
    assert quiet.mean() < 0.05
    assert_greater(agitated, quiet, "exploration mobilisation with high vs normal starting expectations")


# ----------------------------------------------------------------------------- pattern 3
def test_pattern3_tables_settle_acute_disputes_quickly():
    """In the first months of a crisis, a table cuts mobilisation where the baseline does not."""
    window = lambda r: float(r.timeseries.loc[6:11, "mobilised_share"].mean())  # months 7-12
    baseline = outcomes(scenario("acute_crisis"), window)
    table = outcomes(scenario("acute_crisis", interventions=[default_spec("negotiation_table")]), window)
    assert_greater(baseline, table, "mobilisation in months 7-12: baseline vs negotiation table")


def test_pattern3_conflict_recurs_when_commitments_go_unkept():
    unreliable = ("stakeholders.company.reliability=0.05", "stakeholders.region.integrity=0.1",
                  "stakeholders.region.capacity=0.1")
    table = [default_spec("negotiation_table")]
    late = lambda r: float(r.timeseries.loc[18:, "mobilised_share"].mean())  # after the first due dates
    kept = outcomes(scenario("acute_crisis", interventions=table), late)
    unkept = outcomes(scenario("acute_crisis", *unreliable, interventions=table), late)
    assert_greater(unkept, kept, "late mobilisation when table commitments go unkept vs kept")


def test_pattern3_rewarding_mobilisation_makes_conflict_recur():
    rewarded = [default_spec("negotiation_table", mobilisation_reward=0.1)]
    not_rewarded = [default_spec("negotiation_table", mobilisation_reward=0.0)]
    metric = mean_of("mobilised_share")
    with_reward = outcomes(scenario("default", interventions=rewarded), metric)
    without = outcomes(scenario("default", interventions=not_rewarded), metric)
    assert_greater(with_reward, without, "mobilisation when concessions reward mobilising vs not")


# ----------------------------------------------------------------------------- pattern 4
def test_pattern4_large_revenue_to_low_capacity_government_leaks_and_turns_grievance_on_it():
    low_capacity = ("stakeholders.municipality.capacity=0.1", "stakeholders.municipality.integrity=0.3")
    rich = ("project.phases.operation.revenue=3.0",)
    modest = outcomes(scenario("default", *low_capacity), summary("revenue_leaked_total"))
    large = outcomes(scenario("default", *low_capacity, *rich), summary("revenue_leaked_total"))
    assert_greater(large, modest, "revenue leaked with large vs modest transfers")

    grievance = phase_mean("grievance_government", {"operation"})
    capable = outcomes(scenario("default", *rich, "stakeholders.municipality.capacity=0.9",
                                "stakeholders.municipality.integrity=0.9"), grievance)
    incapable = outcomes(scenario("default", *rich, *low_capacity), grievance)
    assert_greater(incapable, capable, "grievance against government, low vs high capacity, large revenue")
    trust = summary("final_trust_community_government")
    assert_greater(outcomes(scenario("default", *rich, "stakeholders.municipality.capacity=0.9",
                                     "stakeholders.municipality.integrity=0.9"), trust),
                   outcomes(scenario("default", *rich, *low_capacity), trust),
                   "trust in government, high vs low capacity")


# ----------------------------------------------------------------------------- pattern 5
def test_pattern5_absent_state_raises_conflict_and_the_company_takes_the_blame():
    absent = scenario("default", "stakeholders.municipality.presence=0.0")
    present = scenario("default", "stakeholders.municipality.presence=0.8")
    assert_greater(outcomes(absent, mean_of("mobilised_share")), outcomes(present, mean_of("mobilised_share")),
                   "mobilisation with an absent vs present state")
    def company_share_of_blame(result) -> float:  # in exploration, before the runs can diverge in phase
        early = result.timeseries[result.timeseries["phase"] == "exploration"]
        return float(early["grievance_company"].sum() / (early["grievance_company"] + early["grievance_government"]).sum())
    assert_greater(outcomes(absent, company_share_of_blame), outcomes(present, company_share_of_blame),
                   "share of grievance aimed at the company with an absent vs present state")


# ----------------------------------------------------------------------------- pattern 6
def test_pattern6_learning_space_is_slow():
    """After six months of crisis a table has done more than a learning space; the space needs time."""
    early = lambda r: float(r.timeseries.loc[3:8, "mobilised_share"].mean())  # months 4-9
    space = outcomes(scenario("acute_crisis", interventions=[default_spec("learning_space")]), early)
    table = outcomes(scenario("acute_crisis", interventions=[default_spec("negotiation_table")]), early)
    assert_greater(space, table, "early mobilisation under a learning space vs a table")


def test_pattern6_learning_space_needs_a_trusted_convener_and_sustained_participation():
    final_trust = summary("final_trust_community_company")
    space = [default_spec("learning_space", end=72)]
    members = [s["id"] for s in read_yaml(builtin_path("default"))["stakeholders"] if s["id"] != "convener"]
    distrust = [{"source": m, "target": "convener", "trust": 0.1, "mutual": False} for m in members]
    default_ties = read_yaml(builtin_path("default"))["ties"]

    trusted = outcomes(scenario("default", interventions=space), final_trust)
    distrusted = outcomes(scenario("default", interventions=space, ties=default_ties + distrust), final_trust)
    assert_greater(trusted, distrusted, "trust after a learning space with a trusted vs distrusted convener")
    sparse = outcomes(scenario("default", interventions=[default_spec("learning_space", end=72, every=12)]),
                      final_trust)
    assert_greater(trusted, sparse, "trust with sustained (every 2 months) vs sparse (every 12) workshops")


def test_pattern6_learning_space_trust_and_ties_outlast_the_meetings():
    """Workshops stop after six years; fourteen years later the ties they created are still there,
    no weaker than they started, and communities still trust the company more than without them."""
    from stakesim.simulator.model import MiningModel

    spec = default_spec("learning_space", end=72)
    with_space = [MiningModel(scenario("default", interventions=[spec]), seed=s).run() for s in range(REPLICATES)]
    baseline = [MiningModel(scenario("default"), seed=s).run() for s in range(REPLICATES)]
    for model in with_space:
        created = [d["trust"] for u, v, d in model.graph.edges(data=True)
                   if d["kind"] == "intervention" and spec.convener not in (u, v) and "convener" not in (u, v)]
        assert len(created) >= 6, "the learning space created few ties between members"
        assert np.mean(created) >= spec.new_tie_trust
    final_trust = lambda models: np.array([m.trust("near_community", "company") for m in models])
    assert_greater(final_trust(with_space), final_trust(baseline),
                   "community trust in the company at the end, long after the last workshop")


# ----------------------------------------------------------------------------- pattern 7
def test_pattern7_mobilisation_is_sticky():
    """Months to climb to the peak of mobilisation are fewer than months to come back down."""
    sc = scenario("acute_crisis", "stakeholders.highland_community.initial_mobilised=0",
                  "stakeholders.valley_community.initial_mobilised=0",
                  "project.phases.construction.duration=12", "project.phases.operation.impact=0",
                  "project.phases.operation.jobs=0.6", steps=120)

    def rise_and_fall(result):
        share = result.timeseries["mobilised_share"].to_numpy()
        peak = int(share.argmax())
        half = share[peak] / 2
        up = peak - int(np.argmax(share[: peak + 1] >= half))
        after = share[peak:]
        down = int(np.argmax(after < half)) if (after < half).any() else len(after)
        return up, down

    pairs = np.array([rise_and_fall(run_scenario(sc, seed=s)) for s in range(REPLICATES)])
    assert_greater(pairs[:, 1], pairs[:, 0], "months from peak down to half vs months from half up to peak")


# ----------------------------------------------------------------------------- both ways
def test_learning_space_beats_negotiation_table_over_a_project_life():
    space = outcomes(scenario("default", interventions=[default_spec("learning_space")]),
                     summary("final_trust_community_company"))
    table = outcomes(scenario("default", interventions=[default_spec("negotiation_table")]),
                     summary("final_trust_community_company"))
    assert_greater(space, table, "final community trust in the company: learning space vs table")
    blockades_space = outcomes(scenario("default", interventions=[default_spec("learning_space")]),
                               summary("blockade_months"))
    blockades_table = outcomes(scenario("default", interventions=[default_spec("negotiation_table")]),
                               summary("blockade_months"))
    assert_greater(blockades_table, blockades_space, "blockade months: table vs learning space")


def test_negotiation_table_beats_learning_space_in_an_acute_crisis():
    metric = mean_of("mobilised_share")
    space = outcomes(scenario("acute_crisis", interventions=[default_spec("learning_space")]), metric)
    table = outcomes(scenario("acute_crisis", interventions=[default_spec("negotiation_table")]), metric)
    assert_greater(space, table, "mobilisation over the crisis: learning space vs table")
    suspended = summary("suspended")
    assert outcomes(scenario("acute_crisis", interventions=[default_spec("negotiation_table")]), suspended).mean() < \
        outcomes(scenario("acute_crisis", interventions=[default_spec("learning_space")]), suspended).mean()


def test_replicates_differ():
    """The statistics above are over genuinely different replicates, not copies of one run."""
    values = outcomes(scenario("default"), mean_of("mobilised_share"))
    assert len(set(np.round(values, 12))) > 1
