"""Every table the service owns, imported in one place so Alembic and the tests see the whole schema."""

from bot.slack.store import SlackEvent
from hub.dashboard.kept_months import DashboardMonth
from hub.staff import StaffAccount
from intake.store import AuditEvent, Base, Draft, Referrer, SupportRequest
from intake.store.child_match import ChildMatch
from intake.store.email_code import EmailCode
from intake.store.follow_up import FollowUp
from intake.store.outbox import OutboxMessage
from intake.store.referrer_notice import ReferrerNotice
from intake.store.request_note import RequestNote

__all__ = [
    "AuditEvent",
    "Base",
    "ChildMatch",
    "DashboardMonth",
    "Draft",
    "EmailCode",
    "FollowUp",
    "OutboxMessage",
    "Referrer",
    "ReferrerNotice",
    "RequestNote",
    "SlackEvent",
    "StaffAccount",
    "SupportRequest",
]
