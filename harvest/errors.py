"""The one small exception family: the CLI turns each into a single `Error: ...` line."""


class HarvestError(Exception):
    """Base class for every expected failure."""


class ConfigError(HarvestError):
    """Configuration is missing or invalid."""


class NCBIError(HarvestError):
    """E-utilities answered with an error, or could not be reached."""


class HistoryExpired(NCBIError):
    """The history server no longer holds the WebEnv/query_key ("Unable to obtain query")."""


class FileFormatError(HarvestError):
    """An input file is missing, unreadable or not a PubMed export."""


class LockedError(HarvestError):
    """Another refresh holds the catalog's lock."""


class Stopped(HarvestError):
    """The run was asked to stop (SIGTERM, Ctrl-C) and stopped between batches."""


class RegistryError(HarvestError):
    """ClinicalTrials.gov answered with an error, or could not be reached."""
