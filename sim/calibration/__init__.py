"""Calibration to a company's own funnel: CRM data in, a posterior over scenario keys out.

- :mod:`~sim.calibration.crm`: the CRM monthly format (read, validate, export from a run,
  drive a scenario with the data's spend and headcount);
- :mod:`~sim.calibration.fit`: the fit file (keys to fit and their priors);
- :mod:`~sim.calibration.summaries`: a run as the CRM table of its company, and its summaries;
- :mod:`~sim.calibration.emulator`, :mod:`~sim.calibration.posterior`,
  :mod:`~sim.calibration.method`: the method (an emulator, MCMC on it, two waves);
- :mod:`~sim.calibration.files`: what ``calibrate`` writes and ``forecast`` reads;
- :mod:`~sim.calibration.forecast`: posterior draws run past the data, with a what-if.
"""
