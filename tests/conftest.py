import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False,
                     help="also run tests marked slow (training to convergence, big batches)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow (CI's default run stays quick)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    # One thread in the trusted process: the checks' tiny ops gain nothing from a pool,
    # and on a shared 2-core machine thread contention makes them 10-30x slower.
    import torch

    torch.set_num_threads(1)
