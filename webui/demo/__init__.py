"""Demo data: organisations, one login per role, and patients in every phase."""
