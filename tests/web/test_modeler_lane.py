"""The modeler's requests evaluate in the owner lane; the lane never leaks into later requests."""
import time

from engine.sandbox import worker_pool


def test_the_modeler_uses_the_owner_lane_and_clinical_requests_do_not(auth, client, monkeypatch):
    lanes = []
    lease = worker_pool.Pool.lease

    def recording(self, click):
        lanes.append(self.lane)
        return lease(self, click)

    monkeypatch.setattr(worker_pool.Pool, "lease", recording)
    auth.login("ejer")
    body = client.post("/modeler/api/expression",
                       json={"kind": "condition", "text": f"{time.time_ns()} > 0"}).get_json()
    assert body["ok"] is True
    assert lanes == ["owner"]
    client.get("/readyz")  # a later request of the same client: the clinical lane again
    assert lanes[1:] == ["clinical"]
