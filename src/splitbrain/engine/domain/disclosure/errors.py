# ruff: noqa: N818 -- STYLE §4 names errors for what happened (UnknownSummary, UnsafePath)
"""Errors of the disclosure domain: a path set the engine must not run, or a request it cannot read.

A denied disclosure (no path, no consent) is an outcome, not one of these::

    DisclosureError
     ├── PathInvalid        a path names a field the policy does not know, or repeats a key
     ├── UnknownSummary     summarize names a summary that is not registered
     ├── UnsafePath         the path would send a restricted value where its class forbids
     │                      (raw to the CRM, out of its owner), or name the person to the CRM
     │                      by anything but a correlating token; refused at compile, whatever
     │                      the lint said
     ├── UnknownField       classify() of a field the policy does not list
     └── TokenPortMissing   a tokenize transform ran without a token port

Messages name paths, fields, classes and summaries, never a value (no PHI).
"""

from __future__ import annotations


class DisclosureError(Exception):
    """Root of every disclosure error."""


class PathInvalid(DisclosureError, ValueError):
    """The path set does not fit the policy."""


class UnknownSummary(DisclosureError, LookupError):
    """No summary function is registered under this name."""


class UnsafePath(DisclosureError, ValueError):
    """The path would disclose what its class forbids."""


class UnknownField(DisclosureError, LookupError):
    """The policy does not list this field."""


class TokenPortMissing(DisclosureError, TypeError):
    """A tokenize transform needs the token port."""
