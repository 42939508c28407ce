"""Features, one package each. Each package exports `COGS`, the cog classes it contributes; the composition
root finds them all (bootstrap/discovery.py), so adding a feature never touches it."""
