"""Settings of the task workers the fault tests start: the production settings
(``config.settings``, configured by the environment the test passes: ``DATABASE_URL``,
``EMAIL_URL`` of the test's SMTP sink, ``EMAIL_TIMEOUT``, ``SECRET_KEY``), with a short
margin before an email "sending" counts as stuck, so a test can wait it out."""

import os

from config.settings import *  # noqa: F403

EMAIL_STUCK_MARGIN = float(os.environ.get("EMAIL_STUCK_MARGIN", "1"))
