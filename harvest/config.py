"""Load `config/` (YAML) once into frozen dataclasses; environment variables override."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from harvest.errors import ConfigError

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
PROJECT_DIR = Path(__file__).resolve().parent.parent


def default_config_dir() -> Path:
    """$HARVEST_CONFIG, else ./config, else the config/ folder of this checkout."""
    if os.environ.get("HARVEST_CONFIG"):
        return Path(os.environ["HARVEST_CONFIG"])
    local = Path("config")
    return local if local.is_dir() else PROJECT_DIR / "config"


DEFAULT_CONFIG_DIR = Path("config")


@dataclass(frozen=True)
class Settings:
    """How to talk to E-utilities (config/harvest.yml + environment)."""

    eutils_url: str = DEFAULT_EUTILS_URL
    tool: str = "evidence-catalog"
    email: str = ""
    api_key: str | None = field(default=None, repr=False)
    batch_size: int = 500
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    overlap_days: int = 3
    # Whole request (headers, body, redirects); None: four times read_timeout.
    request_deadline: float | None = None
    max_response_bytes: int = 256 << 20

    @property
    def requests_per_second(self) -> int:
        """NCBI's limit: 3 requests/s, 10 with an API key."""
        return 10 if self.api_key else 3


@dataclass(frozen=True)
class Query:
    """The PubMed search behind the catalog (config/queries.yml)."""

    name: str
    substances: tuple[str, ...]
    conditions: tuple[str, ...]
    filter: str = ""

    @property
    def term(self) -> str:
        """The full PubMed query string."""
        term = f"({' OR '.join(self.substances)}) AND ({' OR '.join(self.conditions)})"
        if self.filter:
            term = f"{term} AND ({self.filter})"
        return term


# libyaml's safe loader when PyYAML was built with it: the same data, seven times faster (the
# taxonomy alone took 0.35 s to read in pure Python, at the start of every command)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict:
    """Read one YAML mapping, turning every failure into a ConfigError."""
    try:
        with open(path, encoding="utf-8") as fp:
            data = yaml.load(fp, Loader=SAFE_LOADER)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"cannot read {path}: {first}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping of settings")
    return data


def _number(data: dict, key: str, default: float, path: Path, kind=float) -> float:
    """A positive, finite setting; `kind=int` also refuses fractions such as 1.7."""
    given = data.get(key, default)
    try:
        if isinstance(given, bool):
            raise TypeError(given)
        value = float(given)
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: {key} must be a number, got {given!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{path}: {key} must be a finite number, got {given!r}")
    if kind is int:
        if not value.is_integer():
            raise ConfigError(f"{path}: {key} must be a whole number, got {given!r}")
        value = int(value)
    if value <= 0:
        raise ConfigError(f"{path}: {key} must be positive, got {given!r}")
    return value


def load_settings(config_dir: Path = DEFAULT_CONFIG_DIR, env: dict | None = None) -> Settings:
    """Load config/harvest.yml, then apply NCBI_EUTILS_URL, NCBI_EMAIL and NCBI_API_KEY."""
    env = os.environ if env is None else env
    path = Path(config_dir) / "harvest.yml"
    data = read_yaml(path)
    known = {f for f in Settings.__dataclass_fields__ if f != "api_key"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    settings = Settings(
        eutils_url=str(data.get("eutils_url") or DEFAULT_EUTILS_URL),
        tool=str(data.get("tool") or "evidence-catalog"),
        email=str(data.get("email") or ""),
        batch_size=int(_number(data, "batch_size", 500, path, int)),
        connect_timeout=_number(data, "connect_timeout", 10, path),
        read_timeout=_number(data, "read_timeout", 120, path),
        max_attempts=int(_number(data, "max_attempts", 8, path, int)),
        backoff_base=_number(data, "backoff_base", 1.0, path),
        backoff_max=_number(data, "backoff_max", 60, path),
        overlap_days=int(_number(data, "overlap_days", 3, path, int)),
        request_deadline=_number(data, "request_deadline", 0, path)
        if "request_deadline" in data
        else None,
        max_response_bytes=int(_number(data, "max_response_bytes", 256 << 20, path, int)),
    )
    if settings.batch_size > 10000:
        raise ConfigError(f"{path}: batch_size must be at most 10000 (NCBI's efetch limit)")
    if " " in settings.tool:
        raise ConfigError(f"{path}: tool must not contain spaces (NCBI's rule)")
    overrides = {}
    if env.get("NCBI_EUTILS_URL"):
        overrides["eutils_url"] = env["NCBI_EUTILS_URL"]
    if env.get("NCBI_EMAIL"):
        overrides["email"] = env["NCBI_EMAIL"]
    if env.get("NCBI_API_KEY"):
        overrides["api_key"] = env["NCBI_API_KEY"]
    settings = replace(settings, **overrides)
    if not settings.eutils_url.endswith("/"):
        settings = replace(settings, eutils_url=settings.eutils_url + "/")
    return settings


def require_email(settings: Settings) -> None:
    """NCBI requires a contact address on every request: refuse to run without one."""
    if not settings.email.strip() or "@" not in settings.email:
        raise ConfigError(
            "no contact email for NCBI: set NCBI_EMAIL or `email` in config/harvest.yml"
        )


def load_query(config_dir: Path = DEFAULT_CONFIG_DIR) -> Query:
    """Load config/queries.yml."""
    path = Path(config_dir) / "queries.yml"
    data = read_yaml(path)
    terms = {}
    for key in ("substances", "conditions"):
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {key} must be a non-empty list of PubMed terms")
        terms[key] = tuple(v.strip() for v in value if v.strip())
    filter_ = data.get("filter") or ""
    if not isinstance(filter_, str):
        raise ConfigError(f"{path}: filter must be a string")
    return Query(name=str(data.get("name") or "default"), filter=filter_.strip(), **terms)


DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2/"


@dataclass(frozen=True)
class TrialSettings:
    """The registry search and how to talk to ClinicalTrials.gov (config/trials.yml + env)."""

    conditions: tuple[str, ...]
    interventions: tuple[str, ...]
    api_url: str = DEFAULT_CTGOV_URL
    enabled: bool = True
    page_size: int = 200
    min_interval: float = 1.2  # the registry asks for about 50 requests a minute
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    request_deadline: float = 240.0
    max_response_bytes: int = 64 * 1024 * 1024
    max_attempts: int = 6
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    overlap_days: int = 3


def load_trial_settings(config_dir: Path = DEFAULT_CONFIG_DIR, env: dict | None = None):
    """Load config/trials.yml, then apply CTGOV_API_URL."""
    env = os.environ if env is None else env
    path = Path(config_dir) / "trials.yml"
    data = read_yaml(path)
    known = set(TrialSettings.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    terms = {}
    for key in ("conditions", "interventions"):
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: {key} must be a non-empty list of search terms")
        terms[key] = tuple(v.strip() for v in value if v.strip())
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{path}: enabled must be true or false")
    page_size = int(_number(data, "page_size", 200, path, int))
    if page_size > 1000:
        raise ConfigError(f"{path}: page_size must be at most 1000 (the registry's limit)")
    numbers = {
        key: _number(data, key, TrialSettings.__dataclass_fields__[key].default, path)
        for key in ("min_interval", "connect_timeout", "read_timeout", "request_deadline",
                    "backoff_base", "backoff_max")
    }  # fmt: skip
    for key, value in numbers.items():
        if value != value or value == float("inf"):
            raise ConfigError(f"{path}: {key} must be a finite number, got {value!r}")
    url = str(env.get("CTGOV_API_URL") or data.get("api_url") or DEFAULT_CTGOV_URL)
    return TrialSettings(
        **terms,
        api_url=url if url.endswith("/") else url + "/",
        enabled=enabled,
        page_size=page_size,
        max_response_bytes=int(_number(data, "max_response_bytes", 64 << 20, path, int)),
        max_attempts=int(_number(data, "max_attempts", 6, path, int)),
        overlap_days=int(_number(data, "overlap_days", 3, path, int)),
        **numbers,
    )
