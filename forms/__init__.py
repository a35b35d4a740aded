"""Forms for the pathway's user tasks: form-js JSON definitions plus server-side validation."""
