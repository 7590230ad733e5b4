"""Loans: compare bank loan products and check affordability. Pure domain — no database, AWS or HTTP.

models.py      LoanProduct, LoanQuote, shared field types
arithmetic.py  flat and reducing-balance instalments, flat→effective rate, Rule of 78, quote()
dsr.py         debt service ratio against bank / income-band thresholds
ranking.py     RankingQuery → eligible products, cheapest effective rate first
feeds.py       JSON/CSV product feeds (loans and savings) and the demo seed data
"""
