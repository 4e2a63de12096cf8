"""The simulation engine: customers as arrays, channel and rep agents, the day's schedule.

``reference/`` holds the oracle: the same model with one Mesa agent per customer.
"""
