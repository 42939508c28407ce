"""The welcome feature's repository: every read and write of its tables (cogs/welcome/tables.py).

repo: newcomers, their onboarding steps (each exactly once), the greeter pool and buddy assignments.
"""
