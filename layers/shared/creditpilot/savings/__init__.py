"""Savings: compare savings accounts and fixed deposits and project their returns. Pure domain.

models.py      SavingsProduct
projection.py  project(): interest, final balance, effective annual yield, monthly schedule, PIDM note
Feeds and demo data for savings products are read by creditpilot.loans.feeds.
"""
