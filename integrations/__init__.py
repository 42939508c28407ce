"""Integrations turn platform payloads into neutral requests and neutral messages into native UI."""
