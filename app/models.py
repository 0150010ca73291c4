"""Every table the service owns, imported in one place so Alembic and the tests see the whole schema."""

from hub.staff import StaffAccount
from intake.store import AuditEvent, Base, Draft, Referrer, SupportRequest

__all__ = [
    "AuditEvent",
    "Base",
    "Draft",
    "Referrer",
    "StaffAccount",
    "SupportRequest",
]
