"""Invoices: drafts, totals, the company profile they print, PDF rendering and ZIP bundles.

Everything here is pure (no database, AWS or HTTP); numbering, storage and routes build on it.
"""
