"""The deduplicator: exact groups, near-duplicate clusters and story clusters.

Pure functions over texts and numpy arrays; no I/O. The pipeline computes `signatures`
for new articles, stores them (uint32 signature blob + shingle count per doc), and calls
`cleaners.dedup.clusters` states the partition rules; `flows.dedup` applies them
incrementally against the warehouse's stored indexes, `cluster_documents` to a whole
corpus at once.
"""

from cleaners.dedup.clusters import (
    DedupDoc,
    canonical_key,
    cluster_documents,
    components,
    exact_groups,
    near_partition,
)
from cleaners.dedup.config import MinHashConfig
from cleaners.dedup.lsh import lsh_candidates, near_duplicate_score
from cleaners.dedup.minhash import shingle_set, signatures
from cleaners.dedup.normalize import exact_key, normalize
from cleaners.dedup.stories import StoryConfig, story_clusters

__all__ = [
    "DedupDoc",
    "MinHashConfig",
    "StoryConfig",
    "canonical_key",
    "cluster_documents",
    "components",
    "exact_groups",
    "exact_key",
    "lsh_candidates",
    "near_duplicate_score",
    "near_partition",
    "normalize",
    "shingle_set",
    "signatures",
    "story_clusters",
]
