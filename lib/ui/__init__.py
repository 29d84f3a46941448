"""Everything that imports streamlit: this session's state and uploads, shared widgets, the
pages' sections, error handling and the server's memory."""
