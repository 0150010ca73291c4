"""The partner lists and how a referrer is verified against them: pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.verification import LABELS, Partners, Verification, label, of_email, of_slack, of_teams
from intake.verification.partners import NOT_RECORDED, parse_domains, parse_named_ids, reassuring

TENANT = "00000000-0000-4000-8000-00000000aa01"
OTHER_TENANT = "00000000-0000-4000-8000-00000000bb02"
PARTNERS = Partners.parse(
    "sch.uk, nhs.net, @Blackpool.gov.uk", "T0SCHOOLS=Blackpool schools, T0POLICE", f"{TENANT.upper()}=NHS trust"
)
AT = datetime(2026, 11, 24, 10, 2, tzinfo=UTC)


def test_domains_are_read_leniently_and_checked() -> None:
    read = parse_domains(" sch.uk,NHS.net ; @police.uk\n*.gov.uk, sch.uk ")
    assert read == ("sch.uk", "nhs.net", "police.uk", "gov.uk")
    assert parse_domains("none") == () and parse_domains("") == ()
    with pytest.raises(ValueError, match="REFERRER_EMAIL_DOMAINS: 'not a domain'"):
        parse_domains("sch.uk, not a domain")


def test_workspace_and_tenant_lists_carry_optional_names() -> None:
    assert parse_named_ids("t0schools = Blackpool  schools, T0POLICE", "SLACK_PARTNER_TEAMS") == {
        "T0SCHOOLS": "Blackpool schools",
        "T0POLICE": "",
    }
    assert parse_named_ids(TENANT.upper(), "TEAMS_PARTNER_TENANTS", tenant=True) == {TENANT: ""}
    with pytest.raises(ValueError, match="SLACK_PARTNER_TEAMS"):
        parse_named_ids("T0 SPACE", "SLACK_PARTNER_TEAMS")
    with pytest.raises(ValueError, match="TEAMS_PARTNER_TENANTS"):
        parse_named_ids("contoso.onmicrosoft.com", "TEAMS_PARTNER_TENANTS", tenant=True)


@pytest.mark.parametrize(
    ("email", "matched"),
    [
        ("alex@example-primary.sch.uk", "sch.uk"),  # a subdomain counts
        ("alex@sch.uk", "sch.uk"),
        ("Alex@NHS.NET", "nhs.net"),
        ("jo@blackpool.gov.uk", "blackpool.gov.uk"),
        ("jo@children.blackpool.gov.uk", "blackpool.gov.uk"),
        ("alex@notsch.uk", None),  # a name that merely ends the same is not a subdomain
        ("alex@sch.uk.example.org", None),  # nor is a listed name in the middle
        ("alex@gmail.example.org", None),
        ("no-at-sign", None),
    ],
)
def test_an_email_is_on_the_list_when_its_domain_is_a_listed_one_or_under_it(email: str, matched: str | None) -> None:
    found = of_email(PARTNERS, email, confirmed_at=AT)
    assert found.matched == matched
    assert found.partner is (matched is not None)
    assert found.key == ("email_partner" if matched else "email_other")


def test_a_confirmed_email_and_an_unconfirmed_one_are_told_apart() -> None:
    confirmed = of_email(PARTNERS, "alex@example-primary.sch.uk", confirmed_at=AT)
    unconfirmed = of_email(PARTNERS, "alex@example-primary.sch.uk", confirmed_at=None)
    assert (confirmed.key, unconfirmed.key) == ("email_partner", "unconfirmed_partner")
    assert reassuring(confirmed.key) and not reassuring(unconfirmed.key)
    assert confirmed.label == "Email confirmed by code, partner domain"
    assert of_email(PARTNERS, "x@example.org", AT).label == "Email confirmed by code, email not on the partner list"
    assert not reassuring("email_other")


def test_without_a_list_nothing_is_called_a_partner() -> None:
    none = Partners()
    assert of_email(none, "alex@example-primary.sch.uk", AT).key == "email"
    assert of_slack(none, "T0SCHOOLS").key == "slack"
    assert of_teams(none, TENANT).key == "teams"
    assert not reassuring("slack")


def test_slack_workspaces_and_teams_tenants_are_checked_against_their_lists() -> None:
    partner = of_slack(PARTNERS, "t0schools", "alex@example.org")
    assert (partner.key, partner.subject, partner.matched) == ("slack_partner", "T0SCHOOLS", "Blackpool schools")
    assert partner.email_domain == "example.org" and partner.email_partner is False
    assert of_slack(PARTNERS, "T0POLICE").matched is None and of_slack(PARTNERS, "T0POLICE").partner
    assert of_slack(PARTNERS, "T0ELSEWHERE").key == "slack_other"
    assert of_slack(PARTNERS, None).key == "slack_other"
    tenant = of_teams(PARTNERS, TENANT.upper())
    assert (tenant.key, tenant.subject, tenant.matched) == ("teams_partner", TENANT, "NHS trust")
    assert of_teams(PARTNERS, OTHER_TENANT).key == "teams_other"
    assert of_teams(PARTNERS, OTHER_TENANT).label == "Teams tenant, tenant not on the partner list"


def test_what_is_stored_reads_back_and_says_what_the_hub_needs() -> None:
    for found in (
        of_email(PARTNERS, "alex@example-primary.sch.uk", AT),
        of_email(PARTNERS, "alex@example.org", None),
        of_slack(PARTNERS, "T0SCHOOLS", "alex@example-primary.sch.uk"),
        of_teams(PARTNERS, OTHER_TENANT),
    ):
        again = Verification.from_dict(found.to_dict())
        assert again == found
        assert found.key in LABELS
    sentences = " ".join(of_email(PARTNERS, "alex@example-primary.sch.uk", AT).sentences())
    assert "confirmed their work email with a one-time code" in sentences
    assert "example-primary.sch.uk, is on the council's partner list (under sch.uk)" in sentences
    sentences = " ".join(of_email(PARTNERS, "alex@example.org", None).sentences())
    assert "Nobody confirmed" in sentences and "example.org, is not on the council's partner list" in sentences
    sentences = " ".join(of_slack(PARTNERS, "T0SCHOOLS", "alex@example.org").sentences())
    assert "Slack workspace T0SCHOOLS (Blackpool schools)" in sentences
    assert "is on the council's partner list" in sentences
    assert "email they gave was not confirmed" in sentences
    assert "is not on the council's partner list" in " ".join(of_teams(PARTNERS, OTHER_TENANT).sentences())
    assert Verification.from_dict(None) is None and Verification.from_dict({"method": "carrier pigeon"}) is None


def test_every_code_has_words_and_an_old_request_says_it_was_not_recorded() -> None:
    assert label(None) == NOT_RECORDED
    assert all(words and words[0].isupper() for words in LABELS.values())
    assert label("email_other").endswith("email not on the partner list")
