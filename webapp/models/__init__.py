"""The data model, one module per domain; every model and constant is importable from here.

- ``base``: aware UTC timestamps, JSON, the hazard check
- ``regions``: Kemendagri regions and the dusun inside a desa
- ``people``: accounts, residents, agencies and their members, sign-ins, the audit log
- ``incidents``: reports, incidents, their timeline, handovers, konsultasi, learned words
- ``messaging``: receiving numbers and gateway phones, gateway tests, the outbound queue, push subscriptions
- ``warnings``: broadcasts to residents, BMKG warnings, drafts and feeds
- ``relief``: kaji cepat, emergency status, shelters, needs and deliveries
- ``operations``: what the worker, the backups and the helper services last did
- ``spm``: residents in hazard-prone areas, preparedness activities, desa information

Every table change comes with an Alembic migration under ``migrations/``.
"""

from .base import JSONType, UTCDateTime, hazard_check, utcnow
from .incidents import (
    CHANNELS,
    CONSULTATION_STATUSES,
    INCIDENT_STATUSES,
    LEARNED_KINDS,
    OPEN_STATUSES,
    PROPOSAL_STATES,
    SEVERITIES,
    Consultation,
    FigureProposal,
    Handover,
    Incident,
    IncidentEvent,
    LearnedTerm,
    Report,
)
from .messaging import (
    GATEWAYS,
    OUTBOUND_CHANNELS,
    OUTBOUND_GATEWAYS,
    OUTBOUND_PURPOSES,
    OUTBOUND_STATUSES,
    GatewayTest,
    OutboundMessage,
    PushSubscription,
    ReceivingNumber,
)
from .operations import SERVICES, ServiceState
from .people import (
    MEMBER_CHANNELS,
    RESIDENT_SOURCES,
    ROLES,
    SIGN_IN_OUTCOMES,
    Agency,
    AgencyMember,
    AuditEntry,
    Reporter,
    SignIn,
    User,
)
from .regions import DUSUN_SOURCES, REGION_LEVELS, Dusun, Region
from .relief import (
    EMERGENCY_STATUSES,
    NEED_ITEMS,
    EmergencyStatus,
    Need,
    NeedDelivery,
    RapidAssessment,
    Shelter,
    ShelterUpdate,
)
from .spm import DESTANA_LEVELS, PREPAREDNESS_KINDS, DesaInfo, HazardPopulation, PreparednessActivity
from .warnings import (
    BROADCAST_KINDS,
    DRAFT_STATES,
    WARNING_SOURCES,
    WARNING_STATES,
    Broadcast,
    WarningAlert,
    WarningDraft,
    WarningFeed,
    WarningMessage,
    broadcast_desa,
)

__all__ = [
    "SERVICES",
    "ServiceState",
    "Agency",
    "AgencyMember",
    "AuditEntry",
    "BROADCAST_KINDS",
    "Broadcast",
    "CHANNELS",
    "CHANNELS",
    "CONSULTATION_STATUSES",
    "Consultation",
    "FigureProposal",
    "DESTANA_LEVELS",
    "DRAFT_STATES",
    "DUSUN_SOURCES",
    "DesaInfo",
    "Dusun",
    "EMERGENCY_STATUSES",
    "EMERGENCY_STATUSES",
    "EmergencyStatus",
    "GATEWAYS",
    "GatewayTest",
    "Handover",
    "HazardPopulation",
    "INCIDENT_STATUSES",
    "INCIDENT_STATUSES",
    "Incident",
    "IncidentEvent",
    "JSONType",
    "LEARNED_KINDS",
    "LearnedTerm",
    "MEMBER_CHANNELS",
    "NEED_ITEMS",
    "Need",
    "NeedDelivery",
    "OPEN_STATUSES",
    "PROPOSAL_STATES",
    "OPEN_STATUSES",
    "PROPOSAL_STATES",
    "OUTBOUND_CHANNELS",
    "OUTBOUND_GATEWAYS",
    "OUTBOUND_GATEWAYS",
    "OUTBOUND_PURPOSES",
    "OUTBOUND_PURPOSES",
    "OUTBOUND_STATUSES",
    "OUTBOUND_STATUSES",
    "OutboundMessage",
    "PREPAREDNESS_KINDS",
    "PreparednessActivity",
    "PushSubscription",
    "REGION_LEVELS",
    "RESIDENT_SOURCES",
    "ROLES",
    "RapidAssessment",
    "ReceivingNumber",
    "Region",
    "Report",
    "Reporter",
    "SEVERITIES",
    "SIGN_IN_OUTCOMES",
    "Shelter",
    "ShelterUpdate",
    "SignIn",
    "UTCDateTime",
    "User",
    "WARNING_SOURCES",
    "WARNING_SOURCES",
    "WARNING_STATES",
    "WARNING_STATES",
    "WarningAlert",
    "WarningDraft",
    "WarningFeed",
    "WarningMessage",
    "broadcast_desa",
    "hazard_check",
    "utcnow",
]
