"""What every page template can use: the formatting filters (``web.formatting``), the domain labels, and the
strips and counts in the menu (offline gateways, BMKG drafts waiting, new incidents)."""

from __future__ import annotations

from flask_babel import get_locale
from flask_login import current_user

from sms.gsm import GSM7_BASIC, GSM7_EXTENDED, encoding_of, plain
from sms.phone import mask_phone
from sms.vocab import injuries_not_split

from .access import can, menu, role_of
from .auth.forms import LogoutForm
from .incidents.service import new_count
from .messaging.gateway_health import outbound_stalled_for, troubles_for
from .operations.health import server_troubles
from .warnings.service import waiting_for
from .web.formatting import describe_event, duration, figure, local_time, rupiah, share, told, translated, waited
from .web.labels import (
    AUDIT_LABELS,
    CAP_LABELS,
    CONVERSATION_LABELS,
    COUNT_LABELS,
    DAMAGE_LABELS,
    DESTANA_LABELS,
    DRAFT_STATE_LABELS,
    EMERGENCY_LABELS,
    FACILITY_LABELS,
    HANDOVER_NEXT,
    HANDOVER_STAGE_LABELS,
    HAZARD_LABELS,
    LANGUAGES,
    NEED_ITEM_LABELS,
    PREPAREDNESS_LABELS,
    ROLE_LABELS,
    SERVER_REASONS,
    SEVERITY_LABELS,
    SITUATION_LABELS,
    STATUS_LABELS,
    VULNERABLE_LABELS,
)


def init_app(app):
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["share"] = share
    app.jinja_env.filters["waited"] = waited
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.filters["sms_segments"] = lambda text: encoding_of(plain(" ".join(text.split()))).segments
    app.jinja_env.filters["describe_event"] = describe_event
    app.jinja_env.filters["told"] = told
    app.jinja_env.filters["need_label"] = lambda slug: NEED_ITEM_LABELS.get(slug, slug)
    app.jinja_env.filters["cap_label"] = lambda value: CAP_LABELS.get(value, value) if value else ""
    app.jinja_env.globals.update(
        HAZARDS=HAZARD_LABELS,
        COUNT_LABELS=COUNT_LABELS,
        CONVERSATION=CONVERSATION_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        SEVERITIES=SEVERITY_LABELS,
        SERVER_REASONS=SERVER_REASONS,
        HANDOVER_STAGES=HANDOVER_STAGE_LABELS,
        HANDOVER_NEXT=HANDOVER_NEXT,
        ROLE_LABELS=ROLE_LABELS,
        AUDIT_LABELS=AUDIT_LABELS,
        DRAFT_STATES=DRAFT_STATE_LABELS,
        DESTANA=DESTANA_LABELS,
        PREPAREDNESS=PREPAREDNESS_LABELS,
        EMERGENCY=EMERGENCY_LABELS,
        FACILITIES=FACILITY_LABELS,
        NEED_ITEMS=NEED_ITEM_LABELS,
        SITUATION=SITUATION_LABELS,
        VULNERABLE=VULNERABLE_LABELS,
        DAMAGE=DAMAGE_LABELS,
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
        not_split=injuries_not_split,
        can=lambda ability, target=None: can(current_user, ability, target),
        menu=lambda: menu(current_user),
        home_endpoint=lambda: role_of(current_user).home,
        # The GSM-7 alphabet for the pages' SMS counters (line breaks and escapes left out: the text is folded).
        GSM7_BASIC="".join(sorted(GSM7_BASIC - set("\n\r\x1b"))),
        GSM7_EXTENDED="".join(sorted(GSM7_EXTENDED - set("\f"))),
    )

    @app.context_processor
    def _forms():
        # formdata=None: the menu's form never reads the request (which may be JSON, or not a form at all)
        return {"logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None}

    @app.context_processor
    def _gateway_troubles():
        """Offline SMS gateways of the user's kecamatan, and messages no worker sends: the strip on staff pages."""
        if not current_user.is_authenticated or not can(current_user, "gateway_status"):
            return {"gateway_troubles": [], "outbound_stalled": None}
        return {"gateway_troubles": troubles_for(current_user), "outbound_stalled": outbound_stalled_for(current_user)}

    @app.context_processor
    def _server_troubles():
        """What is wrong with the server itself (backups, worker, store, proxy): the strip on admins' pages."""
        if not current_user.is_authenticated or not can(current_user, "server"):
            return {"server_troubles": []}
        return {"server_troubles": server_troubles()}

    @app.context_processor
    def _waiting_warnings():
        """BMKG warnings' drafts the user may send and nobody has yet: the banner on their pages."""
        if not current_user.is_authenticated or not can(current_user, "warn"):
            return {"waiting_warnings": []}
        return {"waiting_warnings": waiting_for(current_user)}

    @app.context_processor
    def _new_items():
        """Incidents with something new since the user last opened the list: shown in the title and the menu."""
        if not current_user.is_authenticated or not can(current_user, "incidents"):
            return {"new_items": 0}
        return {"new_items": new_count(current_user)}
