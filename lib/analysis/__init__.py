"""What a contract table says: findings, the source's claims, the interpretation, model
profiles, the comparison with the figure, and the Markdown report."""
