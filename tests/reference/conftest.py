"""Fixtures shared by the reference's tests."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture
def one_blas_thread():
    """Run the test's matmuls on one BLAS thread.

    Training does thousands of small matmuls. When no core is free (other tests or processes
    running), two OpenBLAS threads spin-wait for each other on every one of them and a training
    test takes five times longer; one thread costs little on a quiet 2-core machine.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield
