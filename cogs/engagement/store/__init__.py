"""The engagement feature's repositories: every read and write of its tables (cogs/engagement/tables.py).

events (the event log: batched writes, aggregates, erasure, purge) with writer_process (the SQLite writer process
it starts), identity (people across platforms, link codes, opt-outs), link_requests, groups (linked communities),
crm (imported attributes) and export (streaming reads).
"""
