"""Storage for the intake: every table the conversation and submission write. Importing this registers them."""

from intake.store.audit import AuditEvent
from intake.store.database import Base, Database, UtcDateTime
from intake.store.draft import Draft
from intake.store.referrer import Referrer
from intake.store.support_request import SupportRequest

__all__ = ["AuditEvent", "Base", "Database", "Draft", "Referrer", "SupportRequest", "UtcDateTime"]
