"""The threshold engine: Facts + RuleSet -> Decision. Pure and total: it never raises on valid Facts.

Place in the flow: chat -> intake -> **evaluate()** -> store -> hub. Order of work, following the primer's
precedence: indicators give a level (highest wins); combination rules lift it; special routes (999, LADO, FGM,
private fostering) then choose the route without ever dropping a child-protection signal; consent guidance
last. Invariant: any level-4 indicator or child-protection rule gives level 4, whatever else is true.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.combination import CombinationRule
from routing.decision import Decision, Reason
from routing.facts import Facts
from routing.indicator import Indicator
from routing.level_of_need import SPECIALIST
from routing.ruleset import RuleSet
from routing.special_route import SpecialRoute


@dataclass
class _Working:
    """What the engine knows so far; mutable only inside one evaluate() call."""

    level: int = 1
    protection: bool = False
    reasons: list[Reason] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def lift(self, level: int, protection: bool = False) -> None:
        self.level = max(self.level, level)
        self.protection = self.protection or protection
        if self.protection:
            self.level = SPECIALIST


def evaluate(rules: RuleSet, facts: Facts) -> Decision:
    work = _Working()
    fired = [ind for ind in rules.indicators.values() if ind.id in facts.indicators]
    for unknown in sorted(facts.indicators - rules.indicators.keys()):
        text = f"'{unknown}' is not an indicator in the rules ({rules.version}), so it was not weighed."
        work.reasons.append(Reason("unknown_indicator", text, indicator_id=unknown))
    for ind in sorted(fired, key=lambda i: -i.level):
        work.lift(ind.level, ind.child_protection)
        name = rules.levels[ind.level].name
        kind = " - a child protection concern" if ind.child_protection else ""
        work.reasons.append(Reason("indicator", f"Level {ind.level} ({name}){kind}: {ind.text}", indicator_id=ind.id))
    for rule in rules.combination_rules:
        _apply(rule, fired, facts, work)
    route = _choose_route(rules, facts, work)
    info = rules.routes[route]
    _strengths_are_not_reasons(rules, work)
    if not fired and not any(r.code in ("special_route", "flag") for r in work.reasons):
        work.reasons.append(Reason("no_indicators", "No indicators of need were chosen, so the level is Universal."))
    _consent(rules, facts, info.needs_consent, work)
    return Decision(
        level=work.level,
        route=route,
        route_label=info.label,
        reasons=tuple(work.reasons),
        next_steps="\n\n".join([info.next_steps, *work.steps]),
        timescale=info.timescale,
        consent_needed=info.needs_consent,
        phone_first=info.phone_first or work.protection,
        rules_version=rules.version,
    )


def _strengths_are_not_reasons(rules: RuleSet, work: _Working) -> None:
    """A level-1 sign describes a strength or no additional need: above level 1 it is kept as a noted strength,
    never shown as a reason for the level. Signs that choose a special route (the LADO kinds) stay reasons."""
    if work.level == 1:
        return
    route_signs = {i for special in rules.special_routes for i in special.indicators}
    for n, reason in enumerate(work.reasons):
        ind = rules.indicators.get(reason.indicator_id or "")
        if reason.code == "indicator" and ind is not None and ind.level == 1 and ind.id not in route_signs:
            text = f"Noted as a strength, not a reason for the level: {ind.text}"
            work.reasons[n] = Reason("strength", text, indicator_id=ind.id)


def _apply(rule: CombinationRule, fired: list[Indicator], facts: Facts, work: _Working) -> None:
    matched: list[Indicator] = []
    if facts.indicators & set(rule.unless):
        return
    if rule.kind == "cumulative":
        at_level = [i for i in fired if i.level == rule.level]
        if len(at_level) < rule.min_count or len({i.domain for i in at_level}) < rule.min_domains:
            return
    elif rule.kind == "vulnerability":
        matched = [i for i in fired if rule.selects(i)]
        if not _vulnerable(rule, facts) or not matched:
            return
    elif rule.kind == "together":
        matched = [i for i in fired if rule.selects(i)]
        who = rule.fact is None and rule.under_age_years is None
        if len(matched) < rule.min_count or not set(rule.requires) <= facts.indicators:
            return
        if not (who or _vulnerable(rule, facts)):
            return
    elif rule.kind in ("flag", "step_up"):
        if not getattr(facts, rule.fact or "") or work.level < rule.min_level:
            return
    elif rule.kind == "pre_birth":
        if not facts.unborn or work.level < rule.min_level:
            return
    else:  # parallel: another referral alongside, never a change of level
        matched = [i for i in fired if rule.selects(i)]
        if not matched and not (rule.fact is not None and getattr(facts, rule.fact)):
            return
    if rule.kind == "step_up":
        work.lift(min(work.level + 1, SPECIALIST))
    elif rule.raises_to is not None:
        work.lift(rule.raises_to, rule.child_protection)
    indicator_id = matched[0].id if matched else None
    code = "parallel_referral" if rule.kind == "parallel" else rule.kind
    work.reasons.append(Reason(code, rule.text, indicator_id=indicator_id, rule_id=rule.id))
    if rule.next_step and rule.next_step not in work.steps:
        work.steps.append(rule.next_step)


def _vulnerable(rule: CombinationRule, facts: Facts) -> bool:
    """The child the rule protects: with the rule's fact, or known to be under its age."""
    return bool(rule.fact is not None and getattr(facts, rule.fact)) or (
        rule.under_age_years is not None
        and facts.child_age_years is not None
        and facts.child_age_years < rule.under_age_years
    )


def _special_applies(special: SpecialRoute, facts: Facts, work: _Working) -> bool:
    if special.under_age_years is not None and (
        facts.unborn or (facts.child_age_years is not None and facts.child_age_years >= special.under_age_years)
    ):
        work.reasons.append(Reason("special_route_not_applicable", special.not_applicable_text, rule_id=special.id))
        return False
    # The harm is real whoever reports it; only the duty to use this route depends on the referrer's role.
    work.lift(SPECIALIST if special.child_protection else 1, special.child_protection)
    if special.roles and facts.referrer_role not in special.roles:
        work.reasons.append(Reason("special_route_other_role", special.other_roles_text, rule_id=special.id))
        return False
    return True


def _choose_route(rules: RuleSet, facts: Facts, work: _Working) -> str:
    fired = [
        s
        for s in rules.special_routes
        if s.applies(getattr(facts, s.fact), facts.indicators) and _special_applies(s, facts, work)
    ]
    for special in fired:
        work.lift(rules.routes[special.route].level or 1)
    level_route = rules.child_protection_route if work.protection else rules.level_routes[work.level]
    if facts.existing_social_worker:
        # An open case already has a statutory plan: new information goes to the allocated worker through the
        # hub rather than starting early help beside it. Child protection still takes the CP route, phone
        # first.
        if level_route != rules.child_protection_route:
            level_route = rules.allocated_worker_route
        info = rules.routes[rules.allocated_worker_route]
        work.reasons.append(Reason("existing_social_worker", info.next_steps))
    if not fired:
        return level_route
    if work.protection and not rules.routes[fired[0].route].phone_first:
        # Phone-first instructions come first: child protection leads and the special route (private fostering)
        # follows as an "also", rather than a notification text ahead of "phone the hub now".
        for other in fired:
            _also(rules, other, work)
        return level_route
    primary = fired[0]
    work.reasons.append(Reason("special_route", primary.text, rule_id=primary.id))
    for other in fired[1:]:
        _also(rules, other, work)
    if level_route != rules.level_routes[1]:
        info = rules.routes[level_route]
        code = "also_contact_hub" if work.protection else "also_request_support"
        text = f"The needs described are at level {work.level} as well: {info.label}."
        work.reasons.append(Reason(code, text, rule_id=primary.id))
        work.steps.append(f"As well: {info.next_steps}")
    return primary.route


def _also(rules: RuleSet, special: SpecialRoute, work: _Working) -> None:
    info = rules.routes[special.route]
    work.reasons.append(Reason(f"also_{special.route}", f"Also: {info.label}. {special.text}", rule_id=special.id))
    work.steps.append(f"Also - {info.label}: {info.next_steps}")


def _consent(rules: RuleSet, facts: Facts, needed: bool, work: _Working) -> None:
    guidance = rules.consent.text_for(needed, facts.consent)
    work.reasons.append(Reason(f"consent_{facts.consent}", guidance.reason))
    if guidance.next_step:
        work.steps.append(guidance.next_step)
