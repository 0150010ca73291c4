"""The council's partner lists and how a referrer was verified against them: plain functions over plain data.

`REFERRER_EMAIL_DOMAINS` names the partner email domains (a subdomain counts: `sch.uk` covers
`example-primary.sch.uk`); `SLACK_PARTNER_TEAMS` and `TEAMS_PARTNER_TENANTS` name the partner Slack workspaces and
Microsoft Entra tenants, each optionally with a name the hub sees (`T0123ABCD=Blackpool schools`). An empty Slack or
Teams list means no partner list is kept for that channel; `none` turns the email list off.

A `Verification` is what is stored with a request at submission. Its `key` (for example `email_other`: work email
confirmed, not on the partner list) is the one code the queue, the request page and the dashboard label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How the referrer was vouched for.
EMAIL = "email"  # a browser-chat referrer typed the one-time code mailed to their work email
UNCONFIRMED = "unconfirmed"  # an email address nobody confirmed
SLACK = "slack"  # the Slack workspace the referrer is signed in to
TEAMS = "teams"  # the Microsoft Entra tenant of the Teams referrer
METHODS = (EMAIL, UNCONFIRMED, SLACK, TEAMS)

PARTNER, OTHER = "partner", "other"

_METHOD_LABELS = {
    EMAIL: "Email confirmed by code",
    UNCONFIRMED: "Email not confirmed",
    SLACK: "Slack workspace",
    TEAMS: "Teams tenant",
}
_ON_LIST = {EMAIL: "partner domain", UNCONFIRMED: "partner domain", SLACK: "partner workspace", TEAMS: "partner tenant"}
_OFF_LIST = {
    EMAIL: "email not on the partner list",
    UNCONFIRMED: "email not on the partner list",
    SLACK: "workspace not on the partner list",
    TEAMS: "tenant not on the partner list",
}


def _labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for method in METHODS:
        labels[method] = _METHOD_LABELS[method]
        labels[f"{method}_{PARTNER}"] = f"{_METHOD_LABELS[method]}, {_ON_LIST[method]}"
        labels[f"{method}_{OTHER}"] = f"{_METHOD_LABELS[method]}, {_OFF_LIST[method]}"
    return labels


# Every stored `verified_by` code with the words the hub sees, in the order tables list them.
LABELS: dict[str, str] = _labels()
NOT_RECORDED = "Not recorded (raised before verification was kept)"


def label(key: str | None) -> str:
    return LABELS.get(key, key) if key else NOT_RECORDED


def reassuring(key: str | None) -> bool:
    """Whether the hub can take the referrer as a partner professional without a second look."""
    return bool(key) and key.endswith(f"_{PARTNER}") and not key.startswith(UNCONFIRMED)


# -- the lists ---------------------------------------------------------------------------------------------------

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")
_TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OFF = "none"


def _items(raw: str) -> list[str]:
    return [item.strip() for item in re.split(r"[,;\n]", raw) if item.strip()]


def parse_domains(raw: str, setting: str = "REFERRER_EMAIL_DOMAINS") -> tuple[str, ...]:
    """`sch.uk, nhs.net, @blackpool.gov.uk` -> ('sch.uk', 'nhs.net', 'blackpool.gov.uk'); `none` -> ()."""
    if raw.strip().casefold() == OFF:
        return ()
    domains: list[str] = []
    for item in _items(raw):
        domain = item.casefold().lstrip("@*.").rstrip(".")
        if not _DOMAIN.match(domain):
            raise ValueError(f"{setting}: {item!r} is not a domain name like sch.uk or nhs.net")
        if domain not in domains:
            domains.append(domain)
    return tuple(domains)


def parse_named_ids(raw: str, setting: str, tenant: bool = False) -> dict[str, str]:
    """`T0123ABCD=Blackpool schools, T0456EFGH` -> {'T0123ABCD': 'Blackpool schools', 'T0456EFGH': ''}."""
    found: dict[str, str] = {}
    for item in _items(raw):
        ident, _, name = item.partition("=")
        ident = ident.strip().lower() if tenant else ident.strip().upper()
        if not (_TENANT_ID if tenant else _SLACK_ID).match(ident):
            shape = "a tenant id (a GUID)" if tenant else "a workspace id like T0123ABCD"
            raise ValueError(f"{setting}: {ident!r} is not {shape}")
        found[ident] = " ".join(name.split())[:200]
    return found


@dataclass(frozen=True)
class Partners:
    """The council's partner lists, read once at start-up (app/config.py reads the environment)."""

    email_domains: tuple[str, ...] = ()
    slack_teams: Mapping[str, str] = field(default_factory=dict)
    teams_tenants: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, email_domains: str = "", slack_teams: str = "", teams_tenants: str = "") -> Partners:
        return cls(
            parse_domains(email_domains),
            parse_named_ids(slack_teams, "SLACK_PARTNER_TEAMS"),
            parse_named_ids(teams_tenants, "TEAMS_PARTNER_TENANTS", tenant=True),
        )

    def domain_match(self, domain: str | None) -> str | None:
        """The partner domain covering `domain` (itself or a parent: `sch.uk` covers `x.sch.uk`), if any."""
        if not domain:
            return None
        domain = domain.casefold()
        for partner in self.email_domains:
            if domain == partner or domain.endswith("." + partner):
                return partner
        return None


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    domain = email.rpartition("@")[2].strip().casefold().rstrip(".")
    return domain or None


# -- what is stored with a request -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """How a request's referrer was verified, as stored with it at submission."""

    method: str
    # On the partner list: True or False; None when no list is kept for this method.
    partner: bool | None
    # What vouched: the email's domain, the Slack workspace id or the Teams tenant id.
    subject: str | None = None
    # The partner entry that matched: the listed domain, or the workspace's or tenant's name from the setting.
    matched: str | None = None
    confirmed_at: datetime | None = None
    # For Slack and Teams: the email they typed (not confirmed), checked against the list for the hub's information.
    email_domain: str | None = None
    email_partner: bool | None = None

    @property
    def key(self) -> str:
        if self.partner is None:
            return self.method
        return f"{self.method}_{PARTNER if self.partner else OTHER}"

    @property
    def label(self) -> str:
        return label(self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "partner": self.partner,
            "subject": self.subject,
            "matched": self.matched,
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "email_domain": self.email_domain,
            "email_partner": self.email_partner,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Verification | None:
        if not data or data.get("method") not in METHODS:
            return None
        confirmed = data.get("confirmed_at")
        return cls(
            method=data["method"],
            partner=data.get("partner"),
            subject=data.get("subject"),
            matched=data.get("matched"),
            confirmed_at=datetime.fromisoformat(confirmed) if confirmed else None,
            email_domain=data.get("email_domain"),
            email_partner=data.get("email_partner"),
        )

    def sentences(self) -> list[str]:
        """What the hub's request page says, one sentence a fact."""
        out: list[str] = []
        if self.method in (EMAIL, UNCONFIRMED):
            if self.method == EMAIL:
                out.append("The referrer confirmed their work email with a one-time code sent to it.")
            else:
                out.append("Nobody confirmed the referrer's email address: treat it as unchecked.")
            out.append(_domain_sentence(self.subject, self.partner, self.matched))
            return out
        where = "Slack workspace" if self.method == SLACK else "Microsoft Teams tenant"
        named = f" ({self.matched})" if self.matched else ""
        out.append(f"Raised from the {where} {self.subject or 'not known'}{named}, which vouches for the sign-in.")
        if self.partner is True:
            out.append(f"That {where.split()[-1]} is on the council's partner list.")
        elif self.partner is False:
            out.append(f"That {where.split()[-1]} is not on the council's partner list.")
        else:
            out.append(f"No partner list of {where.split()[-1]}s is set, so it was not checked.")
        if self.email_domain:
            out.append("The email they gave was not confirmed by a code; " + _domain_sentence(
                self.email_domain, self.email_partner, None, lead=False))  # fmt: skip
        return out


def _domain_sentence(domain: str | None, partner: bool | None, matched: str | None, lead: bool = True) -> str:
    start = "Its domain" if lead else "its domain"
    if not domain:
        return f"{start} is not known."
    if partner is None:
        return f"{start}, {domain}, was not checked: no partner list is set."
    if partner:
        via = f" (under {matched})" if matched and matched != domain else ""
        return f"{start}, {domain}, is on the council's partner list{via}."
    return f"{start}, {domain}, is not on the council's partner list."


def _email_check(partners: Partners, email: str | None) -> tuple[str | None, bool | None, str | None]:
    domain = email_domain(email)
    if not partners.email_domains:
        return domain, None, None
    matched = partners.domain_match(domain)
    return domain, matched is not None, matched


def of_email(partners: Partners, email: str | None, confirmed_at: datetime | None) -> Verification:
    """A browser-chat referrer: the email they gave, confirmed (with when) or not."""
    domain, partner, matched = _email_check(partners, email)
    method = EMAIL if confirmed_at is not None else UNCONFIRMED
    return Verification(method, partner, domain, matched, confirmed_at)


def of_slack(partners: Partners, team_id: str | None, email: str | None = None) -> Verification:
    team = (team_id or "").strip().upper() or None
    partner = None if not partners.slack_teams else team in partners.slack_teams
    name = partners.slack_teams.get(team or "") or None
    domain, email_partner, _ = _email_check(partners, email)
    return Verification(SLACK, partner, team, name, email_domain=domain, email_partner=email_partner)


def of_teams(partners: Partners, tenant_id: str | None, email: str | None = None) -> Verification:
    tenant = (tenant_id or "").strip().lower() or None
    partner = None if not partners.teams_tenants else tenant in partners.teams_tenants
    name = partners.teams_tenants.get(tenant or "") or None
    domain, email_partner, _ = _email_check(partners, email)
    return Verification(TEAMS, partner, tenant, name, email_domain=domain, email_partner=email_partner)
