"""What the intake does with a message that is not a report (``sms.conversation``): a greeting, a thank-you, a
question, a chat, a promo, a memory or a forecast.

From a sender whose own recent report opened or joined an open incident (in the merge window) it joins that
incident's timeline as a follow-up (``command`` "susulan"): no ticket, no counts, no "Laporan diterima". From
anyone else it lands in the kecamatan's inbox, "Pesan masuk" (``command`` "pesan", no incident), where staff turn
it into an incident with one tap or mark it handled (``webapp.inbox``).

A reply is owed only to a question (a follow-up) or to a greeting, question or chat (the inbox), never to thanks
or a promo, and at most once per sender per day; ``INBOX_REPLY = False`` sends none.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from sms.conversation import Reading
from sms.replies import render

from ..extensions import db
from ..incidents.matching import follow_up, sender_incident
from ..models import FOLLOW_UP_COMMAND, INBOX_COMMAND, Report

REPLY_EVERY = timedelta(days=1)
_ANSWERED_IN_INBOX = ("greeting", "question", "chat", "memory", "forecast")


def receive(report: Report, reading: Reading) -> str | None:
    """File ``report`` (read as conversation) as a follow-up or in the inbox; the reply, if one is owed."""
    report.evidence = {**(report.evidence or {}), "conversation": reading.topic, "cue": reading.cue}
    incident = sender_incident(report)
    if incident is not None:
        report.command = FOLLOW_UP_COMMAND
        follow_up(report, incident)
        if reading.topic == "question" and _may_reply(report):
            return render("follow_up", ticket=incident.ticket)
        return None
    report.command = INBOX_COMMAND
    if reading.topic in _ANSWERED_IN_INBOX and _may_reply(report):
        return render("inbox")
    return None


def _may_reply(report: Report) -> bool:
    """Replies are on, the sender has a number, and no conversation of theirs was answered in the last day."""
    if not current_app.config["INBOX_REPLY"] or report.reporter is None or report.reporter.id is None:
        return False
    answered = db.session.scalar(
        select(func.count())
        .select_from(Report)
        .where(
            Report.reporter_id == report.reporter.id,
            Report.command.in_((FOLLOW_UP_COMMAND, INBOX_COMMAND)),
            Report.reply.is_not(None),
            Report.id != report.id,
            Report.received_at > report.received_at - REPLY_EVERY,
        )
    )
    return not answered
