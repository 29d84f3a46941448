"""Statistics with no knowledge of files or pages: intervals and p-values for a difference in
accuracy, and corrections for many cells."""
