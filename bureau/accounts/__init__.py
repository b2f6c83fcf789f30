"""Accounts: users with roles, passwords, API tokens, login limits."""
