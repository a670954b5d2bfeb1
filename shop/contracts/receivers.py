"""Hooks into the order life: an award's order gets its contract draft once it no longer waits
for the unit's approval (after the transaction that placed or approved it commits)."""
