"""What ``benchmarks.evidence_demo`` is built from: running the tools into a
run's log and the results file (``runs``), the table rendered into a doc
(``table``) and the detection transfer columns (``transfer``)."""
