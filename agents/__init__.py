"""Who acts: the four kinds of stakeholder, as Mesa agents."""

from agents.base import Stakeholder
from agents.community import Community
from agents.company import Company
from agents.cso import CSO
from agents.local_government import LocalGovernment

AGENT_CLASSES = {
    "company": Company,
    "local_government": LocalGovernment,
    "community": Community,
    "cso": CSO,
}

__all__ = ["AGENT_CLASSES", "CSO", "Community", "Company", "LocalGovernment", "Stakeholder"]
