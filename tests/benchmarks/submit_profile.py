"""CPU of one submit (complete an AUDIT task) through the Flask test client on SQLite, profiled.

    .venv/bin/python -m tests.benchmarks.submit_profile [N] [cumulative|tottime|none]

prints the top of cProfile's table and cpu_ms_per_submit (process CPU time, cProfile on, so
higher than without it). A first look at where a click's CPU goes; see docs/performance.md.
"""
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import time

os.environ.setdefault("SECRET_KEY", "bench")
os.environ["FORLOB_INSTANCE_PATH"] = tempfile.mkdtemp()
logging.disable(logging.CRITICAL)

from tests.conftest import make_test_config  # noqa: E402
from tests.web import pathway_setup as setup  # noqa: E402
from webui import create_app  # noqa: E402
from webui.demo.filler import answers  # noqa: E402
from webui.demo.seed import DEMO_PASSWORD, seed_organisations, seed_users  # noqa: E402
from webui.extensions import db  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "b.sqlite")
create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": True, "TESTING": True})
app = create_app(make_test_config(url))
tasks = []
with app.app_context():
    seed_organisations()
    seed_users()
    db.session.commit()
    for i in range(n + 2):
        p = setup.to_opstart(cpr=f"01019{i:05d}", name=f"Bench {i}")
        item = setup.item_for(p.id, "audit")
        tasks.append((p.id, item.task_id, p.lock_version))
client = app.test_client()
client.post("/login", data={"username": "psyk.kbh", "password": DEMO_PASSWORD})


def submit(t):
    """Complete one AUDIT task."""
    r = client.post(f"/forloeb/{t[0]}/opgaver/{t[1]}",
                    data={"action": "complete", "lock_version": t[2], **answers("audit")})
    assert r.status_code == 302, r.status_code


for t in tasks[:2]:  # warm caches
    client.get(f"/forloeb/{t[0]}/opgaver/{t[1]}")
    submit(t)
order = sys.argv[2] if len(sys.argv) > 2 else "cumulative"  # or "none": no profiler
prof = cProfile.Profile()
start = time.process_time()
if order != "none":
    prof.enable()
for t in tasks[2:]:
    submit(t)
prof.disable()
cpu = (time.process_time() - start) / n * 1000
if order != "none":
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats(order).print_stats(18)
    print(out.getvalue()[-6000:])
print(f"cpu_ms_per_submit ({'cProfile on' if order != 'none' else 'no profiler'}) {cpu:.1f} "
      f"over {n} submits")
