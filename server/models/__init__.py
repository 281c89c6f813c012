"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from server.models.accounts import Device, SignInFailure, User
from server.models.base import Base
from server.models.casework import AuditEntry, CaseEscalation, ComplaintCase, ReceptionDay
from server.models.fieldwork import Complaint, ComplaintEvent, RegistryProposal, Visit
from server.models.outreach import OutreachRound, RosterEntry, VisitReview
from server.models.registry import Enterprise, Person, Project, Station
from server.models.spatial import ComplaintFlag, ComplaintLink, VisitFlag
from server.models.sync import (
    Photo,
    PhotoChunk,
    RecordHistory,
    SyncBatch,
    SyncConflict,
    SyncCounter,
    SyncDeviceState,
    SyncMerge,
    SyncMutation,
    SyncTombstone,
)

__all__ = [
    "AuditEntry",
    "Base",
    "CaseEscalation",
    "Complaint",
    "ComplaintCase",
    "ComplaintEvent",
    "ComplaintFlag",
    "ComplaintLink",
    "Device",
    "Enterprise",
    "OutreachRound",
    "Person",
    "Photo",
    "PhotoChunk",
    "Project",
    "ReceptionDay",
    "RecordHistory",
    "SignInFailure",
    "RegistryProposal",
    "RosterEntry",
    "Station",
    "SyncBatch",
    "SyncConflict",
    "SyncCounter",
    "SyncDeviceState",
    "SyncMerge",
    "SyncMutation",
    "SyncTombstone",
    "User",
    "Visit",
    "VisitFlag",
    "VisitReview",
]
