"""Who the referrer is: how each request's referrer was verified, worked out at submission and kept with it.

Place in the flow: a browser-chat referrer confirms their work email with a one-time code (the conversation's
`email_code` step, codes kept in intake/store/email_code.py); a Slack referrer is known by their workspace and a
Teams one by their tenant. At submission the intake service records a `Verification` on the request (which of these
vouched for the referrer, and whether that domain, workspace or tenant is on the council's partner list); the hub's
request page, queue and dashboard show it with the labels defined here.
"""

from intake.verification.partners import (
    LABELS,
    Partners,
    Verification,
    email_domain,
    label,
    of_email,
    of_slack,
    of_teams,
)

__all__ = ["LABELS", "Partners", "Verification", "email_domain", "label", "of_email", "of_slack", "of_teams"]
