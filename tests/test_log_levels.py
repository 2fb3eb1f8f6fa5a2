"""The scheduler's routine lines stay out of an INFO log; its errors do not."""
import logging

from app.logs import configure


def test_the_schedulers_routine_runs_are_debug_detail_and_its_errors_still_show():
    runs = logging.getLogger("apscheduler.executors.default")
    logging.getLogger().setLevel(logging.INFO)  # as an INFO log leaves it: without the rule, routine runs would show
    configure("INFO")
    assert not runs.isEnabledFor(logging.INFO)
    assert runs.isEnabledFor(logging.ERROR)
    configure("DEBUG")
    assert runs.isEnabledFor(logging.DEBUG)
    configure(logging.INFO)
    assert not runs.isEnabledFor(logging.INFO)
