"""Harvest PubMed studies on ketamine, psilocybin and MDMA for trauma into a SQLite catalog."""

__version__ = "0.1.0"
