"""Reads of the reports: one module per report, each a fixed number of aggregate queries."""
