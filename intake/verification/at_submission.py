"""Who vouches for a request's referrer, worked out inside the submission transaction (intake.service)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.store.draft import Draft
from intake.store.referrer import Referrer
from intake.verification.partners import Partners, Verification, of_email, of_slack, of_teams

# What a chat platform vouches for about the sender's organisation, passed by its adapter: {"teams_tenant": id}.
Origin = Mapping[str, str | None]


def verify_referrer(
    s: Session,
    partners: Partners,
    draft: Draft,
    answers: Mapping[str, Any],
    origin: Origin | None,
    email_confirmed_at: datetime | None = None,
) -> Verification:
    """Slack vouches for its workspace (the identity is `TEAM:USER`, taken from bolt's verified request), Teams for
    its tenant (from the authenticated activity, else where the referrer was last reached); a browser-chat email
    counts only when this browser confirmed it with a code (`email_confirmed_at`, from the conversation's state)."""
    email = answers.get("referrer_email")
    if draft.channel == "slack":
        return of_slack(partners, draft.channel_user_id.partition(":")[0], email)
    if draft.channel == "teams":
        tenant = (origin or {}).get("teams_tenant")
        if not tenant:
            address = s.scalar(
                select(Referrer.address).where(
                    Referrer.channel == draft.channel, Referrer.channel_user_id == draft.channel_user_id
                )
            )
            tenant = (address or {}).get("tenant_id")
        return of_teams(partners, tenant, email)
    return of_email(partners, email, email_confirmed_at)
