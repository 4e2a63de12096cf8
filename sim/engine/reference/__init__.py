"""The reference model: marketsim written the plain Mesa way, one agent per customer.

This is the specification a newcomer reads and the oracle the fast engine
(:class:`sim.engine.model.MarketModel`) is tested against: the same scenario keys, the same
phases in the same order, the same probabilities, but every customer is a
``mesa.Agent`` whose ``step()`` reads like the funnel, and every draw is a plain
``random() < p``. It is slow (about a microsecond or two per customer-step) and meant for
small populations. Select it with ``run(scenario, seed, engine="reference")`` or
``marketsim run SCENARIO --engine reference``.
"""

from sim.engine.reference.agents import Channel, Customer, Opportunity, SalesRep
from sim.engine.reference.model import ReferenceModel

__all__ = ["Channel", "Customer", "Opportunity", "ReferenceModel", "SalesRep"]
