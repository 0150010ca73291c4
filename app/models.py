"""Every table the service owns, imported in one place so Alembic and the tests see the whole schema."""

from hub.staff import StaffAccount
from intake.store import AuditEvent, Base, Draft, Referrer, SupportRequest
from intake.store.child_match import ChildMatch
from intake.store.request_note import RequestNote

__all__ = [
    "AuditEvent",
    "Base",
    "ChildMatch",
    "Draft",
    "Referrer",
    "RequestNote",
    "StaffAccount",
    "SupportRequest",
]
