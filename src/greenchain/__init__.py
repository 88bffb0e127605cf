"""Greenchain: an open platform for green supply chains."""

__version__ = "0.1.0"
