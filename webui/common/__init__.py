"""Small helpers the blueprints share: paging, Danish time, template filters, phase names."""
