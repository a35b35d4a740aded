"""Running as a service: JSON logs with masked patient data, and Prometheus metrics."""
