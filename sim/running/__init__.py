"""Running scenarios: ``run`` and ``run_one``, results as tables, metrics, statistics, executors."""
