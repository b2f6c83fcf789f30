"""The bureau's working-day calendar: public holidays and make-up working days (调休).

Every year the State Council (国务院办公厅) publishes which days are holidays and which weekend
days are worked instead; staff enter them here, and every period counted in working days (the
public notice of competition results, 公示期 5 个工作日) counts with them.
"""
