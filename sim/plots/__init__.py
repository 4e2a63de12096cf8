"""Charts: functions that take tables and return matplotlib figures (never ``show()``)."""
