"""Trial registries in: the ClinicalTrials.gov API v2 client and registration ids in text."""

from harvest.registry.ctgov import CtgovClient, fetch_trials, parse_trial
from harvest.registry.ids import find_registry_ids, normalise_id, registry_url

__all__ = [
    "CtgovClient",
    "fetch_trials",
    "find_registry_ids",
    "normalise_id",
    "parse_trial",
    "registry_url",
]
