"""The composition root: opens the store, builds the services, finds the features and starts them.

The only package (with bot.py) that knows every layer: core/ defines the Protocols (core/ports.py), storage/
implements them, cogs/ are found by `discover`, and integrations attach to the running `App`.
"""
