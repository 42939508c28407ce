"""Test package (lets tests import tests.fakes.* with pytest's default import mode)."""
