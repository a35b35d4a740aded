"""Definition versions: parsing, rules, storage, proposals and review, and diffs between versions."""
