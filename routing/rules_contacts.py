"""Reading the contacts and timescales sections: who to phone, when the hub is open, and the statutory clocks.

Place in the flow: read first by load_rules(), because every later text may quote them as {placeholders}
(a contact override from the environment replaces a number before any text is rendered).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields

from routing.contacts import WEEKDAYS, Contacts
from routing.rules_checker import Checker
from routing.rules_yaml import YamlMap
from routing.timescales import Timescales

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CONTACT_TEXT = tuple(f.name for f in fields(Contacts) if f.name != "hub_hours")


def read_contacts(check: Checker, doc: YamlMap, overrides: Mapping[str, str]) -> Contacts | None:
    m = check.mapping(doc, "contacts", "the file") or YamlMap()
    check.keys(m, "contacts", set(CONTACT_TEXT) | {"hub_hours"})
    for key, value in overrides.items():
        m[key] = value
        m.lines.setdefault(key, m.line)
    values = {key: check.text(m, key, "contacts") for key in CONTACT_TEXT}
    hours: dict[int, tuple[str, str]] = {}
    table = check.mapping(m, "hub_hours", "contacts") or YamlMap()
    for day, span in table.items():
        line = table.lines[day]
        if day not in WEEKDAYS:
            check.err(line, f"hub_hours: {day!r} is not a weekday name ({', '.join(WEEKDAYS)})")
        elif (
            not isinstance(span, list) or len(span) != 2 or not all(isinstance(t, str) and _TIME.match(t) for t in span)
        ):
            check.err(line, f'hub_hours: {day} must be ["HH:MM", "HH:MM"] in quotes, got {span!r}')
        elif span[0] >= span[1]:
            check.err(line, f"hub_hours: {day} opens at {span[0]} but closes at {span[1]}")
        else:
            hours[WEEKDAYS.index(day)] = (span[0], span[1])
    if any(v is None for v in values.values()):
        return None
    contacts = Contacts(**values, hub_hours=dict(sorted(hours.items())))
    check.placeholders.update(values)
    check.placeholders["hub_hours"] = contacts.hours_text()
    return contacts


def read_timescales(check: Checker, doc: YamlMap) -> Timescales | None:
    m = check.mapping(doc, "timescales", "the file") or YamlMap()
    names = [f.name for f in fields(Timescales)]
    check.keys(m, "timescales", set(names))
    values = {n: check.whole(m, n, "timescales") for n in names}
    check.placeholders.update({n: str(v) for n, v in values.items() if v is not None})
    return None if None in values.values() else Timescales(**values)
