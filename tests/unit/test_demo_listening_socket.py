"""The demo's PACT host takes its port for good when it finds it: a second demo started at the
same moment gets another port instead of talking to the first one's host."""

from __future__ import annotations

from greenchain.entrypoints.cli.pact import listening_socket


def test_a_port_taken_by_one_demo_is_not_given_to_a_second():
    first = listening_socket(0)
    try:
        port = first.getsockname()[1]
        second = listening_socket(port)
        try:
            assert second.getsockname()[1] != port
        finally:
            second.close()
    finally:
        first.close()


def test_a_free_wanted_port_is_used():
    probe = listening_socket(0)
    port = probe.getsockname()[1]
    probe.close()
    again = listening_socket(port)
    try:
        assert again.getsockname()[1] == port
    finally:
        again.close()
