"""Append-only audit log: who, when, what, before and after, for every state change."""
