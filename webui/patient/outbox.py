"""Messages to patients through a pluggable sender; development and the demo use an outbox.

A sender is any object with `send(account, kind, subject, body)`. `PATIENT_SENDER` names one
in SENDERS; only "outbox" exists so far (a table an administrator can read). A real channel
(e-Boks/Digital Post, SMS) is another entry here. Messages never carry health data: they say
that something is waiting and where to log in.
"""
from flask import current_app

from engine import clock
from webui.extensions import db
from webui.patient.models import OutboxMessage, PatientAccount


class OutboxSender:
    """Writes each message to the outbox table instead of sending it."""

    def send(self, account: PatientAccount, kind: str, subject: str, body: str) -> None:
        """Store the message for the administrator's outbox page."""
        db.session.add(OutboxMessage(account_id=account.id, kind=kind, subject=subject[:200],
                                     body=body, created_at=clock.utcnow()))


SENDERS = {"outbox": OutboxSender}


def sender():
    """The configured sender."""
    return SENDERS[current_app.config.get("PATIENT_SENDER", "outbox")]()
