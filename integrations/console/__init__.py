"""The console community: a local, offline community in the terminal where every command works."""
