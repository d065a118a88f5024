"""Radlink."""
