"""Tests of the config feature (/config, /setup)."""
