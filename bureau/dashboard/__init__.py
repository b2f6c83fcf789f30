"""The bureau dashboard: yearly targets against what the data shows, money against budget, in charts.

- ``metrics``: plain rules (no Flask, no database) — what each target counts, how a policy
  document's targets map onto counts, progress and status, money kinds.
- ``regions``: the region of a contestant from the address code of the ID number (Fujian's
  per-region quota table).
- ``models``: targets and budgets entered by staff, contests marked as national selection contests.
- ``queries``: the counts and sums, as SQL aggregations.
- ``operations``: the writes (save, delete, load from a policy document, mark a contest).
- ``views`` / ``pdf``: the pages, the .xlsx exports and the one-page PDF summary.
"""
