"""Output of evaluation harnesses (lm-evaluation-harness, Inspect AI) to per-item outcomes: one
row per run × model × task × item, with each run as a condition."""
