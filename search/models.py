"""No models: search reads ``rooms.Message`` through the index in search/schema.py.

This module exists so Django sends this app ``post_migrate`` (see search/apps.py).
"""
