"""ROUND0 webhooks: the signature scheme and secret (:mod:`.signature`), event parsing
(:mod:`.events`) and a small receiver (:mod:`.receiver`). Knows nothing of the poller:
:class:`rztui.live.session.LiveSession` wires a receiver to it. Sending is the vendor's job;
the demo's stand-in is :mod:`rztui.demo.webhook_sender`.

Opt-in: ``rztui watch --webhook-listen HOST:PORT[/PATH]``, ``rztui --webhook-listen HOST:PORT``
for the app; ``--demo`` always listens on loopback. Event ids already seen: :mod:`.seen`.
"""

from .events import (
    EVENT_TYPES,
    InvalidEvent,
    SeenEvents,
    WebhookEvent,
    make_event,
    new_event_id,
    parse_event,
)
from .receiver import (
    DEFAULT_PATH,
    MAX_BODY,
    ListenAddress,
    ReceiverStats,
    WebhookReceiver,
    parse_listen,
    parse_listen_address,
)
from .signature import (
    ENV_SECRET,
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    NO_SECRET,
    SIGNATURE_HEADER,
    TOLERANCE,
    SignatureError,
    require_secret,
    sign,
    verify_signature,
    webhook_secret,
)

__all__ = [
    "DEFAULT_PATH", "ENV_SECRET", "EVENT_TYPES", "KEYRING_SERVICE", "KEYRING_USERNAME",
    "MAX_BODY", "NO_SECRET", "SIGNATURE_HEADER", "TOLERANCE", "InvalidEvent", "ListenAddress",
    "ReceiverStats", "SeenEvents", "SignatureError", "WebhookEvent", "WebhookReceiver",
    "make_event", "new_event_id", "parse_event", "parse_listen", "parse_listen_address",
    "require_secret", "sign", "verify_signature", "webhook_secret",
]
