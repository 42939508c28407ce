"""Collaboration: members post projects that need people (/collab post), others say they are interested, and
the owner is suggested who could join, with why, and asks for intros through matching's request/accept flow.

It lives inside the matching feature because it relies on what matching owns (who takes part, blocks, the caps of
intro requests, the engine's ranking); cog packages never import each other. Its cogs are registered in
`cogs/matching/__init__.py`; this package imports nothing, so that its table module can be imported alone.
"""
