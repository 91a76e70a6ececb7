"""The application on top of the ``plm`` library: the command line and the pipelines.

``plm/`` is the library and never imports this package; the modules here compose it:
the ``plm`` command (:mod:`pipelines.cli`), batch scoring (:mod:`pipelines.batch`),
reports (:mod:`pipelines.report`), review files (:mod:`pipelines.review`), the CAP
validation (:mod:`pipelines.validate_cap`) and the fetch command, on shared plumbing:
one runner (:mod:`pipelines.runner`), one settings object (:mod:`pipelines.settings`)
and one page helper (:mod:`pipelines.page`).
"""
