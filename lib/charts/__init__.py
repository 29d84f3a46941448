"""Altair charts as pure functions of a table, and the chart and table files users download."""
