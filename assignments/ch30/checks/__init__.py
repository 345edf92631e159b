"""Checks for Chapter 30, one module per code exercise (``exNN_name.py``)."""
