"""End-to-end tests of the Slack integration against the fake Slack in tests/fakes/slack."""
