"""Vignettes: synthetic referrals written from published threshold documents, with the indicator each leans on.

Every case is invented; no real child or family. `source` names the document line the vignette exercises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from routing import Facts, RuleSet, evaluate


@dataclass(frozen=True)
class Vignette:
    name: str
    facts: dict[str, Any]
    level: int
    route: str
    source: str
    codes: tuple[str, ...] = ()
    absent: tuple[str, ...] = field(default=())
    next_steps_has: str = ""


V = Vignette
# fmt: off
CP, CIN, EHI, EHU, UNI = "hub_child_protection", "hub_child_in_need", "early_help_intensive", "early_help_universal_plus", "universal_signpost"

VIGNETTES = [
    # Level 1 Universal
    V("no concerns at all", {}, 1, UNI, "Kent L1", codes=("no_indicators",)),
    V("thriving pupil", {"indicators": ["ed_01", "hd_01"], "child_age_years": 9}, 1, UNI, "Kent L1: attendance >90%, healthy"),
    V("young carer, no caring role", {"indicators": ["yc_01"]}, 1, UNI, "Cheshire West universal: no young-carer role"),
    # Level 2 Universal Plus
    V("occasional truancy", {"indicators": ["ed_03"], "consent": "given"}, 2, EHU, "Kent L2: occasional truancy", codes=("consent_given",)),
    V("single episode of self-harm", {"indicators": ["mh_03"], "child_age_years": 14, "consent": "given"}, 2, EHU, "Wirral L2: single episode of self-harm"),
    V("started to go missing", {"indicators": ["mi_01"], "child_age_years": 13, "consent": "given"}, 2, EHU, "Kent L2: started to go missing", codes=("parallel_referral",), next_steps_has="report it to the police"),
    V("bereavement", {"indicators": ["em_05"], "consent": "given"}, 2, EHU, "Kent L2: bereavement"),
    V("toddler in hoarded home", {"indicators": ["ne_04"], "child_age_years": 1.5, "consent": "given"}, 2, EHU, "Kent L2: crawling baby, hazards, hoarding", next_steps_has="Neglect Screening Tool"),
    V("two lower needs only", {"indicators": ["ed_03", "pa_02"], "consent": "given"}, 2, EHU, "Kent: usually a combination - two is not enough"),
    V("three needs in one domain", {"indicators": ["ed_03", "ed_04", "hd_04"], "consent": "given"}, 2, EHU, "Wirral L2 education/health; one domain only", absent=("cumulative",)),
    V("bruise on a walking child", {"indicators": ["ph_03"], "child_age_years": 4, "consent": "given"}, 2, EHU, "Non-mobile protocols: mobile children bruise"),
    V("low income and unemployment", {"indicators": ["hf_14", "hf_15"], "consent": "given"}, 2, EHU, "Bucks L2 family and environment"),
    # Cumulative lower needs
    V("three level-2 needs across domains", {"indicators": ["ed_03", "pa_02", "hf_14"], "consent": "given"}, 3, EHI, "Kent: combination of criteria; Herts: accumulation", codes=("cumulative",)),
    V("four level-2 needs, two domains", {"indicators": ["ed_03", "mh_02", "bo_02", "hf_13"], "consent": "given"}, 3, EHI, "Kent L2 x3 + Bucks L2", codes=("cumulative",)),
    V("three intensive needs across all domains", {"indicators": ["mh_05", "pa_07", "hf_07"], "child_age_years": 15, "consent": "given"}, 4, CIN, "Wirral L3 self-harm; Bucks L3 substance misuse and eviction", codes=("cumulative",)),
    V("three intensive needs, two domains", {"indicators": ["mh_05", "ed_10", "pa_07"], "child_age_years": 15, "consent": "given"}, 3, EHI, "Wirral L3, Kent L3, Bucks L3 - not all domains", absent=("cumulative",)),
    # Level 3 Intensive
    V("repeated self-harm", {"indicators": ["mh_05"], "child_age_years": 15, "consent": "given"}, 3, EHI, "Wirral L3: repeated self-harm"),
    V("regularly missing", {"indicators": ["mi_03"], "child_age_years": 14, "consent": "given"}, 3, EHI, "Kent L3: regularly goes missing", codes=("parallel_referral",), next_steps_has="AWAKEN"),
    V("domestic abuse witnessed", {"indicators": ["da_03"], "child_age_years": 7, "consent": "given"}, 3, EHI, "Bucks L3: incidents of domestic abuse between parents"),
    V("chronic neglect", {"indicators": ["ne_11"], "child_age_years": 6, "consent": "given"}, 3, EHI, "Kent L3: chronic neglect", next_steps_has="Graded Care Profile 2"),
    V("untreated dental decay and unwashed clothes", {"indicators": ["ne_10", "ne_07"], "consent": "given"}, 3, EHI, "Kent L3 dental decay; Wirral L3 clothing"),
    V("young carer affected", {"indicators": ["yc_03"], "child_age_years": 12, "consent": "given"}, 3, EHI, "Kent L3: young carer whose duties affect outcomes"),
    V("homeless 16 year old", {"indicators": ["hf_09"], "child_age_years": 16, "consent": "given"}, 3, EHI, "Kent L3: homeless 16-17 year old"),
    V("exploitation signs, age 15", {"indicators": ["ex_04"], "child_age_years": 15, "consent": "given"}, 3, EHI, "CE tools: unexplained gifts", codes=("parallel_referral",)),
    V("permanent exclusion risk and absence", {"indicators": ["ed_10", "ed_11"], "child_age_years": 13, "consent": "given"}, 3, EHI, "Kent L3: persistent absence, exclusion"),
    V("parental substance misuse", {"indicators": ["pa_07"], "consent": "given"}, 3, EHI, "Bucks L3: substance misuse affects care"),
    # Level 4 child in need
    V("suicide attempt", {"indicators": ["mh_09"], "child_age_years": 15, "consent": "given"}, 4, CIN, "Wirral L4: suicide attempts"),
    V("disabled child, parents overwhelmed", {"indicators": ["ds_04"], "consent": "given"}, 4, CIN, "Kent L4: care of a severely disabled child"),
    V("unaccompanied asylum seeker", {"indicators": ["hf_12"], "child_age_years": 16, "consent": "given"}, 4, CIN, "Wirral L4: unaccompanied asylum seeker"),
    V("youth offending", {"indicators": ["bo_08"], "child_age_years": 15, "consent": "given"}, 4, CIN, "Kent L4: in the youth justice system"),
    V("family homeless", {"indicators": ["hf_10"], "consent": "given"}, 4, CIN, "Bucks L4: homelessness imminent"),
    # Level 4 child protection
    V("unexplained injuries", {"indicators": ["ph_05"], "child_age_years": 5}, 4, CP, "Bucks L4: unexplained injuries"),
    V("sexual abuse", {"indicators": ["sx_06"], "child_age_years": 10}, 4, CP, "Kent L4: sexual abuse"),
    V("pregnancy under 13", {"indicators": ["sx_05"], "child_age_years": 12}, 4, CP, "Kent L4: pregnancy under 13"),
    V("serious domestic abuse involving the child", {"indicators": ["da_06"], "child_age_years": 8}, 4, CP, "Bucks L4: chronic and serious DV involving child"),
    V("high-risk domestic abuse", {"indicators": ["da_08", "da_03"], "child_age_years": 3}, 4, CP, "SafeLives: DASH 14+ -> MARAC", codes=("parallel_referral",), next_steps_has="MARAC"),
    V("toxic trio", {"indicators": ["da_09"]}, 4, CP, "Parental MH tiers: DA + substance misuse"),
    V("neglect, not good enough care", {"indicators": ["ne_13"]}, 4, CP, "Bucks L4: unable to provide good enough parenting"),
    V("faltering growth", {"indicators": ["ne_14"], "child_age_years": 1}, 4, CP, "Kent L4: non-organic failure to thrive"),
    V("frequently missing and in danger", {"indicators": ["mi_05"], "child_age_years": 15}, 4, CP, "Bucks L4: frequently missing"),
    V("county lines", {"indicators": ["ex_07", "ex_08"], "child_age_years": 16}, 4, CP, "Kent L4: gang member or drug crime"),
    V("radicalisation", {"indicators": ["ex_10"], "child_age_years": 15}, 4, CP, "Kent L4: radicalisation"),
    V("fabricated illness", {"indicators": ["ph_07"], "child_age_years": 6}, 4, CP, "Bucks L4: fabricated or induced illness"),
    V("parent's delusions involve the child", {"indicators": ["pa_12"], "child_age_years": 9}, 4, CP, "Parental MH tiers: delusional beliefs"),
    V("home used for drug dealing", {"indicators": ["sx_08"], "child_age_years": 11}, 4, CP, "Bucks L4: home used for illegal activity"),
    V("beyond control and at risk", {"indicators": ["bo_10"], "child_age_years": 15}, 4, CP, "Kent L4: beyond parental control"),
    # Age and vulnerability modifiers
    V("bruise on a 3-month-old", {"indicators": ["ph_03"], "child_age_years": 0.25}, 4, CP, "Non-mobile protocols: 'those who don't cruise rarely bruise'", codes=("vulnerability",), next_steps_has="paediatric opinion"),
    V("mark on a non-mobile disabled child", {"indicators": ["ph_02"], "child_age_years": 7, "non_mobile": True}, 4, CP, "Non-mobile protocols: immobile through disability", codes=("vulnerability",)),
    V("bruising on non-mobile baby, direct", {"indicators": ["ph_08"], "child_age_years": 0.4}, 4, CP, "Non-mobile protocols"),
    V("exploitation sign at 12", {"indicators": ["ex_04"], "child_age_years": 12}, 4, CP, "CE tools: 13 or under, any single factor", codes=("vulnerability",)),
    V("exploitation sign at 13", {"indicators": ["ex_02"], "child_age_years": 13.5}, 4, CP, "CE tools: aged 13 or under", codes=("vulnerability",)),
    V("early peer-crime signs at 10", {"indicators": ["ex_01"], "child_age_years": 10}, 4, CP, "Kent L2 + CE tools under-13 rule", codes=("vulnerability",)),
    V("early peer-crime signs at 14", {"indicators": ["ex_01"], "child_age_years": 14, "consent": "given"}, 2, EHU, "Kent L2: associating with peers in crime", absent=("vulnerability",)),
    # Exploitation (2026.2): several signs, an older partner, a learning disability
    V("several exploitation signs, no screening tool", {"indicators": ["ex_05", "ex_04", "ex_03", "ex_13"], "child_age_years": 15}, 4, CP, "CSE screening tools: several risk indicators together are high risk; Rochdale review", codes=("together",), next_steps_has="screening tool"),
    V("three 2026.1 exploitation signs at 15", {"indicators": ["ex_05", "ex_04", "ex_03"], "child_age_years": 15}, 4, CP, "CSE screening tools: older acquaintances, unexplained gifts, intoxication together", codes=("together",)),
    V("three exploitation signs at 16", {"indicators": ["ex_04", "ex_05", "ex_15"], "child_age_years": 16}, 4, CP, "CSE initial screening tool: unexplained money, older acquaintances, cars driven by unknown adults", codes=("together",), next_steps_has="AWAKEN"),
    V("two exploitation signs at 15", {"indicators": ["ex_04", "ex_05"], "child_age_years": 15, "consent": "given"}, 3, EHI, "Kent L3: vulnerable to exploitation - two signs are not 'several'", absent=("together",), next_steps_has="AWAKEN"),
    V("older boyfriend with gifts at 15", {"indicators": ["ex_12", "ex_04"], "child_age_years": 15}, 4, CP, "CSE initial screening tool: older 'boyfriend' / controlling adult + unexplained money or items", codes=("together",)),
    V("older partner, secretive, at 14", {"indicators": ["ex_12", "ex_13"], "child_age_years": 14}, 4, CP, "CSE initial screening tool: older boyfriend + secretive online activity", codes=("together",)),
    V("older partner with gifts at 17", {"indicators": ["ex_12", "ex_04"], "child_age_years": 17, "consent": "given"}, 3, EHI, "Age of consent 16: intensive support, screening tool", absent=("together",), next_steps_has="screening tool"),
    V("older partner alone at 15", {"indicators": ["ex_12"], "child_age_years": 15, "consent": "given"}, 3, EHI, "CSE screening: a relationship alone needs gifts, control or secrecy to be high risk", absent=("together",)),
    V("learning disability, one exploitation sign", {"indicators": ["ex_04"], "child_age_years": 16, "learning_disability": True}, 4, CP, "West Yorkshire CSE tool: learning disability + CSE concern -> CSC", codes=("vulnerability",), next_steps_has="screening tool"),
    V("learning disability, early peer-crime sign", {"indicators": ["ex_01"], "child_age_years": 15, "learning_disability": True}, 4, CP, "West Yorkshire CSE tool; Kent L2 peers in crime", codes=("vulnerability",), next_steps_has="AWAKEN"),
    V("possible trafficking, no disclosure", {"indicators": ["ex_16"], "child_age_years": 15}, 4, CP, "Trafficking procedures: children rarely disclose; CP response"),
    V("exploitation at 12, older partner", {"indicators": ["ex_12"], "child_age_years": 12}, 4, CP, "CE tools: 13 or under, any single factor", codes=("vulnerability",)),
    # New signs (2026.2), each from the published document quoted
    V("FGM carried out, seen by a nurse", {"indicators": ["ph_12"], "child_age_years": 9, "referrer_role": "health"}, 4, "police_fgm", "FGM Act 2003 s5B: known FGM -> police; Home Office procedural information", codes=("special_route", "also_contact_hub", "parallel_referral"), next_steps_has="sisters"),
    V("FGM carried out, told a youth worker", {"indicators": ["ph_12"], "child_age_years": 15, "referrer_role": "other"}, 4, CP, "FGM is child abuse: CP for everyone; the duty is personal to duty holders", codes=("special_route_other_role",), next_steps_has="sisters"),
    V("sister has had FGM", {"indicators": ["ph_13"], "child_age_years": 7}, 4, CP, "DH FGM risk and safeguarding: sisters of a girl who has had FGM are at risk", next_steps_has="sisters"),
    V("unborn, mother has had FGM", {"unborn": True, "indicators": ["pb_10"], "consent": "given"}, 4, CIN, "DH FGM guidance: risk to a baby girl identified in antenatal care; Kent L3 pre-birth assessment", codes=("pre_birth", "parallel_referral"), next_steps_has="FGM risk assessment"),
    V("teacher's inappropriate messages", {"indicators": ["al_01"], "child_age_years": 14}, 1, "lado", "LADO threshold: behaved towards a child in a way that indicates a risk of harm", codes=("special_route",), absent=("strength",)),
    V("coach asked for images", {"indicators": ["al_02"], "child_age_years": 13}, 4, "lado", "LADO threshold: possible offence against a child -> LADO and the hub", codes=("special_route", "also_contact_hub")),
    V("volunteer's conduct outside work", {"indicators": ["al_03"], "child_age_years": 10}, 1, "lado", "LADO suitability threshold: transferable risk (WT2023, KCSIE)", codes=("special_route",)),
    V("outside-work conduct and the child's own needs", {"indicators": ["al_03", "mh_05"], "child_age_years": 15, "consent": "given"}, 3, "lado", "LADO transferable risk + Wirral L3 self-harm", codes=("also_request_support",), absent=("strength",)),
    V("GCP2 grade 3 in one area", {"indicators": ["ne_18"], "consent": "given"}, 2, EHU, "GCP2: grade 3 - some essential needs unmet", absent=("parallel_referral",)),
    V("GCP2 grade 3 in several areas", {"indicators": ["ne_19"], "child_age_years": 4, "consent": "given"}, 3, EHI, "GCP2: grade 3 across areas", absent=("parallel_referral",)),
    V("GCP2 grade 4", {"indicators": ["ne_20"], "child_age_years": 3}, 4, CP, "GCP2: grade 4-5, most or all essential needs unmet"),
    V("parent with serious mental illness", {"indicators": ["pa_19"], "child_age_years": 6, "consent": "given"}, 2, EHU, "Parental MH tiers: low - assessment within early help"),
    V("parent's illness affecting care", {"indicators": ["pa_19", "pa_06"], "child_age_years": 6, "consent": "given"}, 3, EHI, "Parental MH tiers: moderate - ill-health affecting consistent care"),
    V("unborn, illicit drug use", {"unborn": True, "indicators": ["pb_11"], "consent": "given"}, 4, CIN, "Hull/Barnsley substance misuse in pregnancy: multi-agency assessment before birth", codes=("pre_birth",)),
    V("made to leave home at 14", {"indicators": ["em_12"], "child_age_years": 14}, 4, CP, "Bucks L4: child has no one to care for them", codes=("vulnerability",), next_steps_has="somewhere safe"),
    V("made to leave home at 17", {"indicators": ["em_12"], "child_age_years": 17, "consent": "given"}, 4, CIN, "Joint guidance: homeless 16-17 year olds assessed by children's social care", absent=("vulnerability",)),
    V("beyond parental control, no significant harm", {"indicators": ["bo_13"], "child_age_years": 13, "consent": "given"}, 4, CIN, "Bucks L4: beyond parental control"),
    V("well-managed asthma", {"indicators": ["hd_16"], "child_age_years": 8}, 1, UNI, "East Sussex L1: all physical health needs met"),
    V("diabetes needing a care plan", {"indicators": ["hd_17"], "child_age_years": 8, "consent": "given"}, 2, EHU, "Devon L2: minor health problems managed in a mainstream school"),
    V("sleep problems", {"indicators": ["hd_18"], "child_age_years": 2, "consent": "given"}, 2, EHU, "Bucks L2: persistent minor health problems"),
    V("medicines in reach, no stair gate", {"indicators": ["ne_21"], "child_age_years": 1.5, "consent": "given"}, 2, EHU, "Bucks L2: haphazard use of safety equipment", next_steps_has="Neglect Screening Tool"),
    V("toddler left with a drunk adult", {"indicators": ["ne_22"], "child_age_years": 3, "consent": "given"}, 3, EHI, "Bucks L3: inappropriate care arrangements"),
    V("sexual behaviour towards a younger sibling", {"indicators": ["sx_09"], "child_age_years": 11}, 4, CP, "Brook red: sexual behaviour with significantly younger or less able children"),
    # Harmful sexual behaviour by Brook's bands: green is not a need, amber is early help, red is child protection
    V("Brook green under 5", {"indicators": ["sx_10"], "child_age_years": 4}, 1, UNI, "Brook 0-5 green: curiosity, enjoying nakedness"),
    V("Brook amber under 5", {"indicators": ["sx_11"], "child_age_years": 4, "consent": "given"}, 2, EHU, "Brook 0-5 amber: pulling pants down against their will"),
    V("Brook red under 5", {"indicators": ["sx_12"], "child_age_years": 4}, 4, CP, "Brook 0-5 red: forcing other children into sexual play"),
    V("Brook green 5-9", {"indicators": ["sx_13"], "child_age_years": 7}, 1, UNI, "Brook 5-9 green: curiosity about differences"),
    V("Brook amber 5-9", {"indicators": ["sx_14"], "child_age_years": 7, "consent": "given"}, 2, EHU, "Brook 5-9 amber: persistent questions, adult slang, sexual bullying"),
    V("Brook red 5-9", {"indicators": ["sx_15"], "child_age_years": 7}, 4, CP, "Brook 5-9 red: simulating sex, with younger children"),
    V("Brook green 9-13", {"indicators": ["sx_16"], "child_age_years": 11}, 1, UNI, "Brook 9-13 green: consensual kissing with peers"),
    V("Brook amber 9-13", {"indicators": ["sx_17"], "child_age_years": 11, "consent": "given"}, 2, EHU, "Brook 9-13 amber: pornography, giving out contact details online"),
    V("Brook red 9-13", {"indicators": ["sx_18"], "child_age_years": 11}, 4, CP, "Brook 9-13 red: sexual activity, explicit talk with younger children"),
    V("Brook green 13-17", {"indicators": ["sx_19"], "child_age_years": 16}, 1, UNI, "Brook 13-17 green: consensual activity with a peer"),
    V("Brook amber 13-17", {"indicators": ["sx_20"], "child_age_years": 15, "consent": "given"}, 2, EHU, "Brook 13-17 amber: sending naked images of self"),
    V("Brook red 13-17", {"indicators": ["sx_21"], "child_age_years": 16}, 4, CP, "Brook 13-17 red: coercive, or for money or goods"),
    V("persistent amber behaviour", {"indicators": ["sx_14", "sx_22"], "child_age_years": 8, "consent": "given"}, 3, EHI, "Brook: amber behaviours that persist need more than advice"),
    V("aggressive sexual behaviour at any age", {"indicators": ["sx_04"], "child_age_years": 14}, 4, CP, "Kent L4: sexually aggressive behaviour (Brook red at every age)"),
    # Strengths never count as a need and are never reasons for a higher level
    V("strengths beside an intensive need", {"indicators": ["ed_01", "pa_01", "mh_05"], "child_age_years": 15, "consent": "given"}, 3, EHI, "Kent L1 strengths; Wirral L3 repeated self-harm", codes=("strength",)),
    V("strengths beside a child protection concern", {"indicators": ["hd_01", "ph_05"], "child_age_years": 5}, 4, CP, "Kent L1; Bucks L4 unexplained injuries", codes=("strength",)),
    V("privately fostered and injured", {"private_fostering": True, "indicators": ["ph_05"], "child_age_years": 12}, 4, CP, "CP first, phone first; private fostering notified as well", codes=("also_private_fostering",)),
    # Disclosure
    V("child discloses harm", {"child_disclosed_harm": True, "child_age_years": 8}, 4, CP, "Primer precedence 5: disclosure", codes=("flag",), absent=("no_indicators",), next_steps_has="own words"),
    V("disclosure indicator", {"indicators": ["ph_10"], "child_age_years": 9}, 4, CP, "Kent L4: physical or sexual abuse"),
    # Consent
    V("consent refused, level 2", {"indicators": ["ed_03"], "consent": "refused"}, 2, EHU, "WT2023: early help is voluntary", codes=("consent_refused",), next_steps_has="child in need"),
    V("consent refused, level 3", {"indicators": ["da_03"], "consent": "refused"}, 3, EHI, "Lancashire: absolute right to consent", codes=("consent_refused",)),
    V("consent refused and plan not working", {"indicators": ["da_03"], "consent": "refused", "early_help_plan_not_working": True}, 4, CIN, "Bucks L4: child in need, parents refused support", codes=("step_up", "consent_refused")),
    V("consent not asked, level 3", {"indicators": ["pa_07"]}, 3, EHI, "Lancashire: seek consent", codes=("consent_not_asked",), next_steps_has="ask the family (and"),
    V("consent not sought because of risk, level 3", {"indicators": ["pa_07"], "consent": "not_sought_risk"}, 3, EHI, "Golden rules: record reasons", codes=("consent_not_sought_risk",), next_steps_has="sign of significant harm"),
    V("consent not sought because of risk, CP", {"indicators": ["ph_05"], "consent": "not_sought_risk"}, 4, CP, "Gloucestershire L4: not sought if it increases risk", codes=("consent_not_sought_risk",)),
    V("consent refused, CP proceeds", {"indicators": ["sx_06"], "consent": "refused"}, 4, CP, "Golden rule 3: no consent needed where risk of harm", codes=("consent_refused",)),
    # Early help not working
    V("level-2 plan not working", {"indicators": ["ed_03"], "early_help_plan_not_working": True, "consent": "given"}, 3, EHI, "Primer: step up when early help has not worked", codes=("step_up",)),
    V("plan not working, no needs named", {"early_help_plan_not_working": True}, 1, UNI, "step_up needs at least level 2", absent=("step_up",)),
    # Pre-birth
    V("unborn, missed antenatal appointments", {"unborn": True, "indicators": ["pb_03"], "consent": "given"}, 2, EHU, "Devon L2: missed antenatal appointments"),
    V("unborn, late booking", {"unborn": True, "indicators": ["pb_05"], "consent": "given"}, 4, CIN, "Sussex: late booking; Kent L3 pre-birth assessment", codes=("pre_birth",)),
    V("unborn, domestic abuse", {"unborn": True, "indicators": ["da_03"], "consent": "given"}, 4, CIN, "Bucks L3 DA + Kent L3 pre-birth", codes=("pre_birth",)),
    V("unborn, previous children removed", {"unborn": True, "indicators": ["pb_08"]}, 4, CP, "Wirral L4: unable to care for previous children"),
    V("unborn, concealed pregnancy", {"unborn": True, "indicators": ["pb_07"], "consent": "given"}, 4, CIN, "Concealed pregnancy procedures"),
    # Special routes
    V("immediate danger", {"immediate_danger": True}, 4, "emergency", "Lancashire: 999 first", codes=("special_route", "also_contact_hub")),
    V("immediate danger and an allegation", {"immediate_danger": True, "allegation_against_professional": True}, 4, "emergency", "Precedence: 999 before LADO", codes=("also_lado",), next_steps_has="LADO"),
    V("allegation against a coach", {"allegation_against_professional": True}, 1, "lado", "LADO within one working day", codes=("special_route",), absent=("also_contact_hub", "no_indicators")),
    V("allegation with unexplained injuries", {"allegation_against_professional": True, "indicators": ["ph_05"]}, 4, "lado", "LADO + hub where a child is harmed", codes=("also_contact_hub",), next_steps_has="Phone the hub now"),
    V("allegation, child self-harming", {"allegation_against_professional": True, "indicators": ["mh_05"], "consent": "given"}, 3, "lado", "LADO; Wirral L3 repeated self-harm", codes=("also_request_support",)),
    V("FGM seen by school nurse", {"fgm_known": True, "referrer_role": "health", "child_age_years": 11}, 4, "police_fgm", "FGM Act 2003 s5B", codes=("special_route", "also_contact_hub"), next_steps_has="sisters"),
    V("FGM disclosed to teacher", {"fgm_known": True, "referrer_role": "teacher", "child_age_years": 14}, 4, "police_fgm", "FGM mandatory reporting"),
    V("FGM, role unknown", {"fgm_known": True}, 4, "police_fgm", "FGM duty: report when in doubt"),
    V("FGM known to a police officer", {"fgm_known": True, "referrer_role": "police", "child_age_years": 10}, 4, CP, "Duty does not apply to police as referrers", codes=("special_route_other_role",)),
    V("FGM in an adult", {"fgm_known": True, "child_age_years": 19, "referrer_role": "health"}, 1, UNI, "Duty covers girls under 18", codes=("special_route_not_applicable",)),
    V("private fostering", {"private_fostering": True, "child_age_years": 14}, 4, "private_fostering", "Wirral L4: private fostering", codes=("special_route",)),
    V("private fostering, too old", {"private_fostering": True, "child_age_years": 19}, 1, UNI, "Private fostering: under 16/18", codes=("special_route_not_applicable",)),
    V("private fostering, unborn", {"private_fostering": True, "unborn": True}, 1, UNI, "Private fostering needs a child", codes=("special_route_not_applicable",)),
    V("danger while privately fostered", {"immediate_danger": True, "private_fostering": True, "child_age_years": 12}, 4, "emergency", "999 first; notify later", codes=("also_private_fostering",)),
    # Existing social worker
    V("open case, new level-2 worry", {"existing_social_worker": True, "indicators": ["ed_03"]}, 2, "hub_allocated_worker", "Primer: allocated worker informed", codes=("existing_social_worker",)),
    V("open case, CIN-level need", {"existing_social_worker": True, "indicators": ["mh_09"], "child_age_years": 15}, 4, "hub_allocated_worker", "Wirral L4 + open case", codes=("existing_social_worker",)),
    V("open case, new injury", {"existing_social_worker": True, "indicators": ["ph_05"]}, 4, CP, "CP stays CP on an open case", codes=("existing_social_worker",)),
    V("LADO on an open case", {"existing_social_worker": True, "allegation_against_professional": True}, 1, "lado", "LADO + allocated worker", codes=("existing_social_worker", "also_request_support")),
    # Robustness
    V("unknown indicator ignored", {"indicators": ["zz_99", "ed_03"], "consent": "given"}, 2, EHU, "Contract: unknown ids reported", codes=("unknown_indicator",)),
]
# fmt: on


def test_there_are_enough_vignettes() -> None:
    assert len(VIGNETTES) >= 60
    assert len({v.name for v in VIGNETTES}) == len(VIGNETTES)
    assert {v.level for v in VIGNETTES} == {1, 2, 3, 4}


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v.name for v in VIGNETTES])
def test_vignette(rules: RuleSet, vignette: Vignette) -> None:
    facts = Facts.from_dict(vignette.facts)
    decision = evaluate(rules, facts)
    codes = decision.codes()
    assert (decision.level, decision.route) == (vignette.level, vignette.route), (vignette.source, codes)
    for code in vignette.codes:
        assert code in codes, (vignette.source, codes)
    for code in vignette.absent:
        assert code not in codes, (vignette.source, codes)
    assert vignette.next_steps_has in decision.next_steps
    route_signs = {i for special in rules.special_routes for i in special.indicators}
    for indicator_id in facts.indicators & rules.indicators.keys():
        strength = rules.indicators[indicator_id].level == 1 and indicator_id not in route_signs and decision.level > 1
        code = "strength" if strength else "indicator"
        assert any(r.indicator_id == indicator_id and r.code == code for r in decision.reasons), (indicator_id, codes)
    assert any(c.startswith("consent_") for c in codes)
    assert decision.rules_version == rules.version
    if decision.route == "hub_child_protection":
        assert decision.phone_first and not decision.consent_needed
