"""The alphabet of tank ids, device ids and event kinds: one rule wherever an id enters.

An id is 1 to 32 characters of lowercase ASCII letters, digits, ``_`` and
``-``, starting with a letter or a digit.  Ids become MQTT topic levels, broker
usernames, ACL lines and InfluxDB tags, so the alphabet keeps out what means
something there (``/ + # , = space`` and line breaks), look-alikes (a Cyrillic
``а`` in ``tаnk1`` is another tank that looks the same on a dashboard), case
twins (``Tank1`` and ``tank1``) and names starting with ``_`` (reserved:
``{prefix}/_gateway/...``).  Checked by the gateway's validator, the config
check and ``aquamon user add`` (docs/security.md).

>>> is_id("tank1"), is_id("esp32-a_2"), is_id("t\\u0430nk1"), is_id("Tank1"), is_id("_gateway"), is_id("a" * 33)
(True, True, False, False, False, False)
>>> check_id("tank id", "tank 1")
Traceback (most recent call last):
...
aquamon.ids.IdError: tank id 'tank 1': use 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit
"""

from __future__ import annotations

import re

ID_PATTERN = r"[a-z0-9][a-z0-9_-]{0,31}"
_ID = re.compile(ID_PATTERN)
RULE = "use 1 to 32 of a-z, 0-9, _ and -, starting with a letter or digit"


class IdError(ValueError):
    """An id outside the alphabet; the message names it and says what is allowed."""


def is_id(value: object) -> bool:
    """True when ``value`` is a string in the id alphabet."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def check_id(what: str, value: object) -> str:
    """``value`` if it is an id, else raise :class:`IdError` naming ``what``."""
    if not is_id(value):
        shown = value[:40] if isinstance(value, str) else value
        raise IdError(f"{what} {shown!r}: {RULE}")
    return str(value)
