"""Shared by every feature: the context, guards, replies, drafts, menus, help, errors, pages."""
