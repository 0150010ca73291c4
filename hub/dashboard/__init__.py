"""The managers' dashboard: request volumes, timeliness and outcomes for a period, as SVG charts, tables and CSV.

period.py is what a manager chooses; queries.py counts (aggregating in SQL) what figures.py describes;
kept_months.py keeps ended months' figures for long periods; tables.py shapes figures into the named tables that
the page, the CSV export (export.py) and the weekly report show; charts.py draws each table's chart; pages.py is
the blueprint.
"""
