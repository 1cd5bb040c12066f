"""Who acts: the four kinds of stakeholder, as Mesa agents."""

from stakesim.agents.base import Stakeholder
from stakesim.agents.community import Community
from stakesim.agents.company import Company
from stakesim.agents.cso import CSO
from stakesim.agents.local_government import LocalGovernment

AGENT_CLASSES = {
    "company": Company,
    "local_government": LocalGovernment,
    "community": Community,
    "cso": CSO,
}

__all__ = ["AGENT_CLASSES", "CSO", "Community", "Company", "LocalGovernment", "Stakeholder"]
