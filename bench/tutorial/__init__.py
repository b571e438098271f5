"""The Channels tutorial (parts 1-3, async consumer), as its documentation writes it.

A second reference beside ``bench/baseline``: nothing tuned. docs/performance.md lists
the only differences (module paths, the Redis address, allowed hosts).
"""
