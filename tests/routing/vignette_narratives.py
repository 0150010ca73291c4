"""Referrers' own accounts for the routing vignettes: what a teacher, police officer, health visitor or midwife
might type when the bot asks "what has happened?", in their words rather than the catalogue's.

Every account is invented (synthetic; no real child or family). Keyed by vignette name (test_routing_vignettes);
vignettes with no indicator need none. Used by tests/routing/test_suggest.py and bench/suggest_bench.py to
measure how many of each vignette's indicators the suggester puts in its top 10.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing import RuleSet, suggest_indicators

NARRATIVES = {
    "thriving pupil": "Attends well (97% this year) and is doing well at school. No health concerns, mum keeps on top of everything. Dad asked me about after-school clubs.",
    "young carer, no caring role": "His brother has cerebral palsy but Jamie is not a young carer: mum and the agency carers do everything and he has no caring responsibilities.",
    "occasional truancy": "Kai has been off school a lot of Mondays this term, attendance down to 88%. Some days mum rings in sick, other days no call at all.",
    "single episode of self-harm": "Year 9 girl showed her friend marks on her arm, said she scratched herself with a compass after a row at home. First time as far as we know.",
    "started to go missing": "Mum rang school: he stayed out until 2am on Saturday and told her he wants to run away. Never happened before.",
    "bereavement": "Her grandad, who she lived with, passed away in October. Since then she is tearful in class and says she misses him all the time.",
    "toddler in hoarded home": "Home visit today. The house is full of bags and boxes floor to ceiling with only a path through. The 18 month old is crawling around among it and there is dog mess on the kitchen floor.",
    "two lower needs only": "Lots of odd days off school. At home there don't seem to be any rules, he stays up gaming till midnight and mum lets him do what he wants.",
    "three needs in one domain": "Attendance 85% and she is late most mornings. In class her development is behind, she is still not talking in sentences.",
    "bruise on a walking child": "Small bruise on his shin. Mum says he fell off the climbing frame at the park, which fits, he is a very active little boy.",
    "low income and unemployment": "Dad lost his job in the summer, they are on universal credit and struggling with the bills. Mum asked us about free school meals.",
    "three level-2 needs across domains": "Off school a lot. There are no rules at home, mum says she can't say no to him. Money is really tight and they have been using the food bank.",
    "four level-2 needs, two domains": "He misses a day most weeks, seems anxious and tearful, and kicks off in class, throwing chairs. Mum says the flat is damp and the boiler has been broken for weeks.",
    "three intensive needs across all domains": "She's been cutting again, fresh cuts on her arms this week. Mum is drinking heavily and they have had an eviction notice for rent arrears.",
    "three intensive needs, two domains": "Repeated self-harm, PE staff saw fresh cuts. Attendance is 45% and he mostly refuses to come in. Dad smelt of alcohol the last time he brought him.",
    "repeated self-harm": "Third time this term she has self-harmed. The school nurse saw new cuts and old scars on her thighs.",
    "regularly missing": "He keeps going missing. Police have brought him home four times this month, and he walks out of school at lunchtime and won't say where he goes.",
    "domestic abuse witnessed": "Police were called to the house at the weekend after dad hit mum. Leo was in the house and heard it all. He told me daddy shouts and breaks things.",
    "chronic neglect": "Comes in starving most mornings and says there is no food in the house and no electric. He sleeps on the floor with no bedding.",
    "untreated dental decay and unwashed clothes": "Her front teeth are black and she complains of toothache. She wears the same dirty uniform all week and other children say she smells.",
    "young carer affected": "He looks after mum, who has MS, and does the cooking and washing. He's exhausted in class, often late and falling behind with his homework.",
    "homeless 16 year old": "Her mum kicked her out last week. She is sofa surfing at friends' houses and has nowhere to live.",
    "exploitation signs, age 15": "Turned up with a new iPhone and expensive trainers, and has a lot of cash he can't explain.",
    "permanent exclusion risk and absence": "Attendance is under 50% and when she is in she is on her last chance. The head is considering permanent exclusion.",
    "parental substance misuse": "Mum came to collect the children and smelt strongly of alcohol, slurring her words. This is the third time.",
    "suicide attempt": "Took an overdose of paracetamol at the weekend and was in hospital. She told the nurse she wanted to die.",
    "disabled child, parents overwhelmed": "Their son has severe cerebral palsy and needs round the clock care. Mum and dad are exhausted, get no respite and say they can't go on.",
    "unaccompanied asylum seeker": "A 16 year old boy arrived alone on a small boat last week. He has no family here and speaks only Pashto.",
    "youth offending": "Arrested for a street robbery, now with the youth offending team on a referral order and a curfew.",
    "family homeless": "The family were evicted on Friday and are now in a B&B, three kids in one room.",
    "unexplained injuries": "Bruising on both upper arms like finger marks and a mark on his cheek. Mum and dad gave different explanations.",
    "sexual abuse": "She told her friend that her uncle touches her private parts when he babysits.",
    "pregnancy under 13": "A 12 year old pupil told the school nurse she thinks she is pregnant. Her boyfriend is 17.",
    "serious domestic abuse involving the child": "During the last assault dad threw a chair and it hit Maya, who was trying to protect her mum. He has threatened the children with a knife.",
    "high-risk domestic abuse": "Mum was strangled by her partner last night and the police were called. DASH score 17, referred to MARAC. The 3 year old was in the flat.",
    "toxic trio": "Dad is violent to mum when he's drunk and they both use cocaine at the weekends.",
    "neglect, not good enough care": "The home is filthy, the children are dirty and hungry, and after two years of support the parents still seem unable to care for them safely.",
    "faltering growth": "The health visitor says the baby has dropped two centiles and isn't gaining weight. The paediatrician found no medical reason.",
    "frequently missing and in danger": "Missing six times in a month, found in a flat with older men miles away, and she won't say where she's been.",
    "county lines": "Picked up by British Transport Police in Manchester with drugs and cash. We think he is running drugs on a county line, and he owes money to a dealer.",
    "radicalisation": "He has been sharing far right propaganda in class and says he wants to join a group he found online. Our Prevent lead is aware.",
    "fabricated illness": "Mum keeps taking him to different hospitals with symptoms no one can find, and insists he needs a wheelchair, though he runs around at school.",
    "parent's delusions involve the child": "Mum believes her daughter is possessed and has been trying to get the devil out of her. Mum says she is hearing voices.",
    "home used for drug dealing": "Neighbours report people coming and going all night. Police found cannabis and crack at the house where the 11 year old lives.",
    "beyond control and at risk": "Mum says he is completely out of control, out all night, and she can't stop him. He was found drunk in a park at 3am.",
    "bruise on a 3-month-old": "A 3 month old baby brought to clinic with a bruise on her cheek. Mum says her brother poked her.",
    "mark on a non-mobile disabled child": "A 7 year old who uses a wheelchair attended A&E with a burn on her leg, the second accident this month that needed follow up.",
    "bruising on non-mobile baby, direct": "Five month old, not yet rolling or crawling, has bruising behind the ear.",
    "exploitation sign at 12": "Year 7 boy has two phones and new designer clothes, and cash he won't explain.",
    "exploitation sign at 13": "She's hanging around with older lads in their twenties who give her vapes and tell her to skip school.",
    "early peer-crime signs at 10": "Has started hanging around with older kids on the estate who were caught shoplifting.",
    "early peer-crime signs at 14": "He's fallen in with the wrong crowd, they have been involved in anti-social behaviour around the shops.",
    "disclosure indicator": "He told me at break that his dad hits him with a belt when he is naughty.",
    "consent refused, level 2": "Attendance has dropped to 86%, lots of odd days off. Mum does not want any help.",
    "consent refused, level 3": "Police attended a domestic between mum and dad, the children were upstairs. Mum refused early help.",
    "consent refused and plan not working": "More domestic violence, police called again after the couple fought. The early help plan is not working and mum won't engage.",
    "consent not asked, level 3": "Dad has been collecting the kids drunk.",
    "consent not sought because of risk, level 3": "Mum is using heroin again and is often too out of it to look after the children.",
    "consent not sought because of risk, CP": "Unexplained bruises on her back, she wouldn't say how she got them.",
    "consent refused, CP proceeds": "The girl says her stepdad has been raping her.",
    "level-2 plan not working": "Still truanting despite the early help plan, attendance 80%.",
    "unborn, missed antenatal appointments": "She has missed her last three midwife appointments and her 20 week scan.",
    "unborn, late booking": "She first booked with us at 26 weeks pregnant, with no antenatal care before that.",
    "unborn, domestic abuse": "Pregnant, 30 weeks. Her partner punched her last week and the police were called.",
    "unborn, previous children removed": "Expecting her fourth baby. Her three older children were removed and adopted.",
    "unborn, concealed pregnancy": "She hid the pregnancy until 36 weeks and denied it to her GP.",
    "allegation with unexplained injuries": "He came back from the after-school club with bruises on his arms and no explanation, then said the coach grabbed him.",
    "allegation, child self-harming": "She says her tutor messages her at night. She has been self-harming again and again since.",
    "open case, new level-2 worry": "Known to social care. Attendance has fallen again this half term, lots of days off.",
    "open case, CIN-level need": "On a CIN plan. She attempted suicide last night with an overdose.",
    "open case, new injury": "Open to a social worker. Arrived with a black eye and no explanation.",
    "unknown indicator ignored": "Frequent absence from school.",
    "several exploitation signs, no screening tool": "Older lads keep calling at the house for her, she has a new phone and cash she can't explain, she came in drunk twice this month and she is very secretive about where she goes.",
    "three exploitation signs at 16": "She is picked up after school by different cars driven by men we don't know, has expensive new clothes and money, and older men have been calling at her house.",
    "two exploitation signs at 15": "He has a second phone and new designer trainers, and older lads wait for him outside the house.",
    "older boyfriend with gifts at 15": "She has a boyfriend who is 24. He buys her vapes, jewellery and a new phone.",
    "older partner, secretive, at 14": "Her friends say she is seeing a man in his twenties she met on Snapchat. She hides her phone and won't say where she goes after school.",
    "older partner with gifts at 17": "Her boyfriend is 29. He pays for her nails and gave her a new iPhone.",
    "older partner alone at 15": "Mum has found out that her 15 year old daughter is in a relationship with a 22 year old man.",
    "learning disability, one exploitation sign": "He has a learning disability and recently turned up with a lot of cash and new trainers he can't explain.",
    "learning disability, early peer-crime sign": "He has a learning disability and has started hanging around with older kids who are in trouble with the police for anti-social behaviour.",
    "possible trafficking, no disclosure": "A girl who says she is 15 arrived with a man who speaks for her and holds her money. She has no documents and says she has been moved around between cities.",
    "exploitation at 12, older partner": "Year 7 girl says her boyfriend is 19 and picks her up from the park.",
}

# Accounts written after the keywords above were settled and never tuned against (the vignette accounts were: four
# misses were fixed by adding keywords), in the shorthand police officers and health visitors use. Each: the text,
# the indicators a careful referrer would tick, the child's age. Reported beside the vignette recall by
# bench/suggest_bench.py as the more honest figure.
HELD_OUT: list[tuple[str, tuple[str, ...], float]] = [
    (
        "PC attended 0200hrs, DA incident, male partner arrested for assault on mother, 2 children present in property, both asleep upstairs.",
        ("da_03",),
        6,
    ),
    (
        "HV visit: baby 10 wks, mum low, crying a lot, not sleeping, says she can't cope and has no family round here.",
        ("pa_06", "pa_18"),
        0.2,
    ),
    (
        "Pupil disclosed at lunch that stepdad grabbed her by the throat last night. Red marks on neck seen by staff.",
        ("ph_10", "ph_06"),
        11,
    ),
    (
        "Y10 boy excluded twice this half term, now carrying large amounts of cash and a second mobile, seen getting into unknown cars after school.",
        ("ed_05", "ex_04", "ex_15"),
        15,
    ),
    (
        "Mum smelt of cannabis at pick up and seemed out of it, child was unsupervised at the school gate for 40 mins.",
        ("pa_07", "ne_06"),
        6,
    ),
    (
        "Attendance 62%, persistent lateness, comes in wearing same unwashed uniform, hair matted, often asks for food.",
        ("ed_10", "ed_04", "ne_07", "ne_08"),
        8,
    ),
    (
        "Missing overnight from children's home again, returned with injuries, refused RHI, believed to be with older males in Preston.",
        ("mi_05", "ex_08"),
        14,
    ),
    (
        "Young person self-harming by cutting arms, told counsellor she wants to die and has a plan.",
        ("mh_05", "mh_08"),
        15,
    ),
    (
        "Dad has learning difficulties and cannot read the medication instructions; the toddler's epilepsy meds are being missed.",
        ("pa_09", "hd_10"),
        2,
    ),
    (
        "Family being evicted next week, rent arrears, three kids, nowhere to go, dad recently lost job.",
        ("hf_07", "hf_10", "hf_15"),
        7,
    ),
    (
        "She is 14 and has been talking to a 25 year old man online who sends her money and asks for photos.",
        ("ex_12", "sx_03", "on_03"),
        14,
    ),
    (
        "Brother (9) is caring for mum who has MS, doing all the cooking and getting his sister ready for school, often tired and late.",
        ("yc_04", "yc_03"),
        9,
    ),
    (
        "Nursery report 3 yr old has very few words, not toilet trained, parents missed the last two SALT appointments.",
        ("hd_05", "hd_07", "hd_06"),
        3,
    ),
    (
        "Boy keeps hitting other children and swearing at staff, mum says she can't manage him at home either.",
        ("bo_02", "bo_05"),
        7,
    ),
    (
        "Girl says her family are taking her to Somalia in the summer for a special ceremony; mum and aunt both had it done.",
        ("ph_11",),
        9,
    ),
]


def held_out_walks(rules: RuleSet, top: int = 10) -> list[Walk]:
    out = []
    for n, (text, expected, age) in enumerate(HELD_OUT, 1):
        ids = [s.id for s in suggest_indicators(rules, text, top, age_years=age)]
        known = tuple(i for i in expected if i in rules.indicators)
        ranks = tuple(ids.index(i) + 1 if i in ids else None for i in known)
        out.append(Walk(f"held-out account {n}", known, ranks, tuple(ids)))
    return out


@dataclass(frozen=True)
class Walk:
    """One vignette's account through the suggester: the indicators expected, where each ranked (None: not in
    the top), and what came first."""

    name: str
    expected: tuple[str, ...]
    ranks: tuple[int | None, ...]
    top: tuple[str, ...]

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(i for i, rank in zip(self.expected, self.ranks, strict=True) if rank is None)


def walks(rules: RuleSet, top: int = 10) -> list[Walk]:
    """Every vignette that names a known indicator and has an account, suggested at the vignette's age."""
    from tests.routing.test_routing_vignettes import VIGNETTES

    out = []
    for vignette in VIGNETTES:
        expected = tuple(i for i in vignette.facts.get("indicators", ()) if i in rules.indicators)
        if not expected or vignette.name not in NARRATIVES:
            continue
        found = suggest_indicators(
            rules,
            NARRATIVES[vignette.name],
            top,
            age_years=vignette.facts.get("child_age_years"),
            unborn=bool(vignette.facts.get("unborn", False)),
        )
        ids = [s.id for s in found]
        ranks = tuple(ids.index(i) + 1 if i in ids else None for i in expected)
        out.append(Walk(vignette.name, expected, ranks, tuple(ids)))
    return out


def recall(found: list[Walk]) -> float:
    """The share of all expected indicators that were suggested."""
    expected = sum(len(w.expected) for w in found)
    return sum(len(w.expected) - len(w.missed) for w in found) / expected if expected else 0.0
