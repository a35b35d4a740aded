"""Page numbers from query strings, shared by every paged list."""

MAX_PAGE = 100_000  # a huge offset overflows the database's integer parameters


def page_number(args) -> int:
    """The requested page (`?page=`), from 1 to MAX_PAGE; anything else is page 1."""
    try:
        return max(1, min(int(args.get("page", 1)), MAX_PAGE))
    except (TypeError, ValueError):
        return 1


def page_count(total: int, size: int) -> int:
    """How many pages `total` rows fill, at least 1."""
    return max(1, -(-total // size))
