"""What every command-line test uses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner():
    """Click's runner: a command invoked in-process, its output captured."""
    return CliRunner()
