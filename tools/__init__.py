"""Maintenance tools for the course (not imported by the notebooks)."""
