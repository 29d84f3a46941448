"""The contract and what every layer shares: the schema, the bundled figure and its styles,
model families, safe text, wording of numbers, and the one rule for unsafe characters."""
