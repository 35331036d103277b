"""splitbrain's pytest plugin (entry point ``pytest11: splitbrain``): test a sync engine with
your own features and tests.

Fixtures (each test gets a fresh world on loopback ports with the SUT between its systems):

``world``           the ``LiveRun``: ``call``, ``client``, ``quiesce``, ``histories``, ``addresses``
``sut``             the SUT adapter (``--splitbrain-sut``: reference, serve, http:URL, command:CMD)
``history``         the run's histories (``records()``, ``sources()``, ``save(dir)``)
``checker``         the judge over them (``verdict(truth=...)``, ``assert_clean()``)
``splitbrain_run``  the same ``LiveRun``, under the name the Gherkin step library asks for

Options (or the ini keys ``splitbrain_sut``, ``splitbrain_matrix``): ``--splitbrain-sut SPEC``
and ``--splitbrain-matrix FILE``. Naming a SUT either way also loads the world-level step
library (``splitbrain.harness.steps``), so ``scenarios("my.feature")`` finds its steps. The
plugin does nothing in a run that uses none of this. docs/runner.md has the details.
"""

from __future__ import annotations
