"""The pure core of the reference engine: standard library and itself only (DESIGN §2).

Write decisions, precedence, conflict rules, identity, consent, disclosure and merge live here as
plain functions over frozen dataclasses. Nothing in this package performs I/O or reads a clock:
time and prior state are arguments.
"""
