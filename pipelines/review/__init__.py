"""Review of a scored night: the annotation EDF+ for the lab's viewer and the review page.

* :mod:`pipelines.review.annotations` -- ``<stem>_plm_annotations.edf``, an
  annotation-only EDF+ file for external viewers (``plm export-annotations``);
* :mod:`pipelines.review.page` -- ``<stem>_review.html``, a self-contained page to check
  every movement in the browser and export the edits (``plm review``; the page's script
  and style are ``review.js`` and ``review.css`` next to it, inlined when written);
* :mod:`pipelines.review.command` -- the ``plm review`` sub-command.

The edits come back through ``plm rescore`` (:mod:`pipelines.rescore`, library part
:mod:`plm.review`).
"""

from pipelines.review.annotations import (
    GAPS_SUFFIX,
    REVIEW_SUFFIX,
    STAGES_SUFFIX,
    candidate_description,
    find_summaries,
    result_gaps,
    review_annotations,
    write_review_edf,
)

__all__ = [
    "REVIEW_SUFFIX",
    "STAGES_SUFFIX",
    "GAPS_SUFFIX",
    "candidate_description",
    "review_annotations",
    "write_review_edf",
    "find_summaries",
    "result_gaps",
]
