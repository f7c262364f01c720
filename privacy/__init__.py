"""Privacy: the rights of the people whose data the CDP holds, and what the analysts' copy may show.

Forget a person everywhere (`forget`), keep them out of later loads (`screen_source`), export what is held about
them (`export_person`), delete what is past its retention (`apply_retention`; `apply_retention_landed` on a Spark
home's landed files), and publish a pseudonymised copy of the warehouse for analysts (`publish_copy`). Usable
without Dagster: `cdp forget` calls it directly. On a Spark home a forget also rewrites the parquet files holding the
person; `finish_stopped_rewrites` completes a stopped one's before the night reads them.
"""

from privacy.analytics_copy import publish_copy
from privacy.classification import Classification, load_classification
from privacy.forget import ForgetResult, forget, lift_suppression
from privacy.person import AmbiguousIdentifier, Subject
from privacy.retention import apply_retention
from privacy.screen import screen_source
from privacy.spark_home import apply_retention_landed, finish_stopped_rewrites
from privacy.store import committed_requests, erased_hashes
from privacy.subject_access import export_person

__all__ = [
    "AmbiguousIdentifier",
    "Classification",
    "ForgetResult",
    "Subject",
    "apply_retention",
    "apply_retention_landed",
    "committed_requests",
    "erased_hashes",
    "export_person",
    "finish_stopped_rewrites",
    "forget",
    "lift_suppression",
    "load_classification",
    "publish_copy",
    "screen_source",
]
