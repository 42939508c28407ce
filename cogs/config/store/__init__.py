"""The config feature's repositories: every read and write of its tables (cogs/config/tables.py).

audit (who changed which setting, for `/config history`) and drafts (/setup between its summary and "Switch on").
"""
