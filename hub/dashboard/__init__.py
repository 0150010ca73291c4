"""The managers' dashboard: request volumes, timeliness and outcomes for a period, as SVG charts, tables and CSV.

figures.py asks the database (aggregating in SQL), chart.py draws, tables.py shapes figures into the named tables
that both the page and the CSV export show, pages.py is the blueprint.
"""
