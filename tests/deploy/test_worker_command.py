"""run_worker outside production says why it cannot run, instead of a traceback.

Its behaviour with the database task backend (taking back interrupted tasks, the
heartbeat) is tested with real processes in test_two_nodes.py.
"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_run_worker_explains_that_only_production_settings_have_a_queue():
    with pytest.raises(CommandError, match="only the production settings install"):
        call_command("run_worker")
