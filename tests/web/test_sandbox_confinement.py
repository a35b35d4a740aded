"""A kernel that refuses a lockdown layer: the service runs, but /readyz, the log and the
administrator's page all say so."""
import logging

import pytest

from engine.sandbox import isolation, lockdown, worker_pool


@pytest.fixture
def unconfined():
    """Workers started without their lockdown, as on a kernel that refuses every layer."""
    isolation.pool().shutdown()
    isolation.configure(lockdown=False)
    worker_pool._REPORTED.clear()
    yield
    isolation.configure(lockdown=True)
    isolation.pool().shutdown()
    worker_pool._CONFINEMENT.clear()


def test_readyz_and_admin_page_show_the_lockdown_when_it_holds(client, auth):
    if lockdown.landlock_abi() < 6:
        pytest.skip("this kernel's Landlock is too old for the full lockdown")
    body = client.get("/readyz").get_json()
    assert body["confinement"]["landlock"].startswith("on (ABI")
    assert body["confinement"]["seccomp"].startswith("on")
    auth.login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="sandbox-unconfined"' not in page


def test_an_unconfined_sandbox_is_reported_loudly_but_the_node_serves(client, auth, unconfined,
                                                                      caplog):
    with caplog.at_level(logging.ERROR, logger="engine.sandbox.worker_pool"):
        response = client.get("/readyz")
    assert response.status_code == 200  # the service starts and serves anyway
    body = response.get_json()
    assert body["checks"]["sandbox"] == "ok"
    assert all(state.startswith("off:") for state in body["confinement"].values())
    assert "SANDBOX NOT FULLY CONFINED: seccomp" in caplog.text
    auth.login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert 'id="sandbox-unconfined"' in page and "seccomp" in page and "landlock" in page
