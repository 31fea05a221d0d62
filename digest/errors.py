"""The one error type a person sees: its text is the whole reply, in the CLI and on Discord.

Every problem with what someone asked for or gave (a profile that does not exist, a bad time
zone, an unreadable feed, a state file held by another process) derives from `UserError`. The
command line prints it as one line; the Discord handler sends it as an ephemeral reply. Any other
exception is a fault of the program: logged with its traceback, answered with an apology.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the input or the request; `str(error)` is the message to show."""
