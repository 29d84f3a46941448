"""Reading an upload's bytes into a raw table: `table.read_table` sniffs the format and encoding
(`sniff`), unpacks gzip, and hands the bytes to their format's reader (`delimited`, `records`,
`binary`); `raw` holds the table they give and what they share."""
