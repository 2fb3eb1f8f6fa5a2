"""Conversation flows, one module each (registered in bots/registry.py)."""
