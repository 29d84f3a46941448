"""Per-item files (and per-arm scores with n): checked, paired and aggregated to the contract
table, with an interval and a corrected p-value per model × dataset."""
