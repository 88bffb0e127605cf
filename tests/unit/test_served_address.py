"""One public address: ``serve`` uses GREENCHAIN_BASE_URL when given (its port by default),
else the address it serves, so PACT sources, events addresses and email links match."""

from __future__ import annotations

from greenchain.entrypoints.cli.main import served_address


def test_without_a_base_url_the_served_port_is_the_public_address():
    assert served_address(None, "http", "127.0.0.1", 8765) == (
        8765, "http://127.0.0.1:8765", None)  # fmt: skip
    assert served_address(None, "http", "127.0.0.1", None)[:2] == (8000, "http://127.0.0.1:8000")


def test_a_given_base_url_chooses_the_port_and_a_different_port_is_said():
    assert served_address("http://127.0.0.1:9100", "http", "127.0.0.1", None) == (
        9100, "http://127.0.0.1:9100", None)  # fmt: skip
    port, url, warning = served_address("https://gc.example.com", "http", "0.0.0.0", 8000)
    assert (port, url, warning) == (8000, "https://gc.example.com", None)
    _, _, warning = served_address("http://127.0.0.1:9100", "http", "127.0.0.1", 8000)
    assert warning is not None
    assert "while serving on port 8000" in warning
