"""Repair: choosing among overlapping findings, the fix loop, the grammar guard."""
