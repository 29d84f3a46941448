"""From an uploaded file's bytes to the contract table: read, detect the shape, validate, and
report every problem by file, row and column."""
