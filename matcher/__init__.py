"""Matchmaking recommender for medical innovation: research projects ↔ resource providers."""

__version__ = "0.1.0"
