"""The matching feature's repositories: every read and write of its tables (cogs/matching/tables.py).

repo (participants, rounds, intros, feedback; `MatchingRepo` also answers for requests and mentoring), requests,
mentoring, departures (what a member's leaving closes) and recovery (intros a crash left half-way).
"""
