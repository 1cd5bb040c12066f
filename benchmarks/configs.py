"""The benchmarks' configurations, built from a scenario: more stakeholders, a bigger community, fewer months.

Plain functions of a ``Scenario`` that import nothing of the engine, so a script can use them with
any version of the package (``ab_run.py`` loads two side by side).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stakesim.simulator.schema import Scenario

def scaled_scenario(base: Scenario, factor: float) -> Scenario:
    """The base with its communities and CSOs copied until it has about ``factor`` x its stakeholders.

    The company and the local governments are shared by every copy (one project, one district);
    ties among copied stakeholders are copied within each copy, ties to shared stakeholders are
    copied too, so the number of ties grows in proportion to the number of stakeholders.
    """
    replicated = [s for s in base.stakeholders if s.type in ("community", "cso")]
    shared = [s for s in base.stakeholders if s.type not in ("community", "cso")]
    target = factor * len(base.stakeholders)
    copies = max(1, round((target - len(shared)) / len(replicated)))
    copied_ids = {s.id for s in replicated}

    def new_id(old: str, copy: int) -> str:
        return old if copy == 0 or old not in copied_ids else f"{old}_{copy}"

    stakeholders = list(shared)
    ties = []
    seen = set()
    for copy in range(copies):
        stakeholders += [s.model_copy(update={"id": new_id(s.id, copy)}) for s in replicated]
        for tie in base.ties:
            new = tie.model_copy(update={"source": new_id(tie.source, copy),
                                         "target": new_id(tie.target, copy)})
            if (new.source, new.target) not in seen:  # ties between shared stakeholders: once
                seen.add((new.source, new.target))
                ties.append(new)
    return base.model_copy(update={"name": f"{base.name}_x{factor:g}",
                                   "stakeholders": stakeholders, "ties": ties})


def members_scenario(base: Scenario, members: int) -> Scenario:
    """The base with its first community given ``members`` members."""
    stakeholders = list(base.stakeholders)
    first = next(i for i, s in enumerate(stakeholders) if s.type == "community")
    stakeholders[first] = stakeholders[first].model_copy(update={"population": members})
    return base.model_copy(update={"name": f"{base.name}_members{members}",
                                   "stakeholders": stakeholders})


def with_steps(scenario: Scenario, steps: int | None) -> Scenario:
    return scenario if steps is None else scenario.model_copy(update={"steps": steps})
