"""Tell the stage's CDN to forget the paths a site upload changed."""

from __future__ import annotations

import hashlib
import time

# CloudFront bills each invalidated path after the first thousand a month, and a wildcard
# counts as one: beyond a few dozen paths (the first upload, a new theme) one wildcard is
# cheaper, and costs only the cache misses of files that did not change.
MOST_PATHS = 30
EVERYTHING = "/*"


def invalidate(cloudfront_client, distribution_id: str, paths: list[str]) -> tuple[str, list[str]] | None:
    """Invalidate the paths (or everything, when there are many); return the invalidation's id and
    the paths it names, or None when there was nothing to invalidate."""
    if not paths:
        return None
    items = [EVERYTHING] if len(paths) > MOST_PATHS else sorted(paths)
    # CloudFront takes a request with a reference it has seen as the same request: a retry of
    # this call makes no second invalidation, a later deploy of the same paths does.
    reference = hashlib.sha256(f"{time.time_ns()} {items}".encode()).hexdigest()[:32]
    answer = cloudfront_client.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(items), "Items": items}, "CallerReference": reference},
    )
    return answer["Invalidation"]["Id"], items
