"""Questions asked of many runs: ROI, comparison, the optimiser, validation, teaching, MMM export."""
