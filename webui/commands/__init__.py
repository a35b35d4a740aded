"""The `flask` command groups: engine, migrations, users, demo, and the timer worker."""
