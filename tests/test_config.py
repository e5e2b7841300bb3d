"""harvest/config.py: settings loaded once, every bad value one clear ConfigError."""

from pathlib import Path

import pytest

from harvest.config import Settings, load_query, load_settings, require_email
from harvest.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text: str) -> Path:
    (tmp_path / "harvest.yml").write_text(text)
    return tmp_path


def test_defaults_and_environment_overrides(tmp_path):
    settings = load_settings(
        write(tmp_path, "email: a@b.org\n"),
        env={"NCBI_EUTILS_URL": "http://127.0.0.1:1/e", "NCBI_API_KEY": "s3cr3t"},
    )
    expected = Settings(email="a@b.org", eutils_url="http://127.0.0.1:1/e/", api_key="s3cr3t")
    assert settings == expected
    assert settings.requests_per_second == 10
    assert "s3cr3t" not in repr(settings)  # the key is never shown


@pytest.mark.parametrize(
    "line, message",
    [
        ("read_timeout: .nan", "read_timeout must be a finite number, got nan"),
        ("read_timeout: .inf", "read_timeout must be a finite number, got inf"),
        ("connect_timeout: -.inf", "connect_timeout must be a finite number, got -inf"),
        ("batch_size: 1.7", "batch_size must be a whole number, got 1.7"),
        ("max_attempts: 2.5", "max_attempts must be a whole number, got 2.5"),
        ("batch_size: true", "batch_size must be a number, got True"),
        ("batch_size: lots", "batch_size must be a number, got 'lots'"),
        ("batch_size: 0", "batch_size must be positive, got 0"),
        ("backoff_base: -1", "backoff_base must be positive, got -1"),
        ("batch_size: 10001", "batch_size must be at most 10000 (NCBI's efetch limit)"),
        ("colour: red", "unknown setting(s): colour"),
        ("tool: my tool", "tool must not contain spaces (NCBI's rule)"),
    ],
)
def test_bad_values_are_one_clear_error(tmp_path, line, message):
    folder = write(tmp_path, line + "\n")
    with pytest.raises(ConfigError) as error:
        load_settings(folder, env={})
    assert str(error.value) == f"{folder / 'harvest.yml'}: {message}"


def test_whole_numbers_given_as_floats_are_accepted(tmp_path):
    settings = load_settings(write(tmp_path, "batch_size: 200.0\nread_timeout: 30\n"), env={})
    assert (settings.batch_size, type(settings.batch_size)) == (200, int)
    assert settings.read_timeout == 30.0


def test_unreadable_yaml_and_missing_file(tmp_path):
    folder = write(tmp_path, "batch_size: [1, 2\n")
    with pytest.raises(ConfigError, match=r"^cannot read .*harvest\.yml: "):
        load_settings(folder, env={})
    with pytest.raises(ConfigError) as missing:
        load_settings(tmp_path / "none", env={})
    assert str(missing.value) == f"config file not found: {tmp_path / 'none' / 'harvest.yml'}"


def test_require_email():
    with pytest.raises(ConfigError, match="^no contact email for NCBI"):
        require_email(Settings(email="not-an-address"))
    require_email(Settings(email="a@b.org"))


def test_the_project_query_loads():
    query = load_query(ROOT / "config")
    assert query.term.startswith("(") and " AND (" in query.term
