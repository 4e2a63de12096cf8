"""The live classroom dashboard (a Mesa SolaraViz app): ``marketsim dashboard [SCENARIO]``.

- ``model``: :class:`~sim.dashboard.model.DashboardModel`, the scenario and its three
  counterfactuals stepped in lockstep (core dependencies only);
- ``charts``: the matplotlib figures; ``views``: the page's panels; ``page``: the SolaraViz
  page with its sliders; ``app``: the file ``solara run`` serves (``dashboard`` extra);
- ``cli``: the ``marketsim dashboard`` command.
"""
