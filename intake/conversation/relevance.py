"""What the referrer's own account mentions, so questions are asked when they are relevant (`mentions` in ask_if):
a pregnancy (the unborn question), an injury (not yet mobile), something the child said (disclosure, their words).

Place in the flow: the plan works `mentions` out from the concern text as soon as it is answered. Deliberately
generous: a topic wrongly found costs one extra question; one missed costs nothing that matters, because the
special questions that decide a route are asked whatever the text says.
"""

from __future__ import annotations

import re

# topic -> word beginnings (lower case) that point to it.
TOPICS: dict[str, tuple[str, ...]] = {
    "pregnancy": (
        "pregnan",
        "unborn",
        "expecting",
        "antenatal",
        "ante-natal",
        "midwi",
        "maternity",
        "pre-birth",
        "prebirth",
        "due date",
        "baby is due",
        "baby due",
        "bump",
    ),
    "injury": (
        "bruis",
        "injur",
        "mark",
        "burn",
        "fractur",
        "broken",
        "bleed",
        "cut ",
        "cuts",
        "hit",
        "slap",
        "punch",
        "kick",
        "hurt",
        "swell",
        "swollen",
        "bite",
        "wound",
    ),
    "told": (
        "told",
        "said",
        "says",
        "saying",
        "disclos",
        "tells",
        "telling",
        "mentioned",
        "confided",
        "alleged",
    ),
}


def mentions(text: str | None) -> list[str]:
    """The topics `text` mentions, in TOPICS order."""
    if not text:
        return []
    lower = " " + re.sub(r"\s+", " ", text.casefold()) + " "
    found = []
    for topic, starts in TOPICS.items():
        if any(re.search(r"(?<![a-z])" + re.escape(start), lower) for start in starts):
            found.append(topic)
    return found
