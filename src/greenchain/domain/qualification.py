"""Green supplier qualification: programs, the case state machine, audits and reminders.

A buyer admits a supplier into its green supply chain through a *qualification case*: the
case walks the program's stages in order (default ``application``, ``preliminary_audit``,
``training``, ``final_evaluation``, ``decision``) within a time window counted from the
application date (default 183 days, about six months). Each stage has requirements
(documents, an audit on a checklist, training completion, a minimum score) that must be met
by the evidence given when the case leaves the stage.

::

    (open) -> application -> preliminary_audit -> training -> final_evaluation -> decision
                   |                  |               |               |              |
                   +------------------+------ rejected (any stage) ---+--------------+
                                                                                     |
                                             qualified / conditionally_qualified <---+
    in progress, window passed without a decision            -> expired
    decided (or rejected / expired) -> requalify -> application (cycle + 1)

Stages cannot be skipped or revisited; every transition keeps ``(from, to, who, when, why)``
and the evidence given. A qualification is valid for ``validity_days`` (default 3 years,
1,095 days) from the decision; a new cycle starts after that, or earlier on demand.

Audits score a checklist (the built-in green supply chain checklist has four pillars of four
items each) as the share of items passed per pillar, weighted by pillar, on 0..100; findings
carry a severity, and major or critical findings need a corrective action plan (owner and due
date). A critical finding fails an audit whatever its score.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from greenchain.domain.errors import ConflictError, InvalidDataError

DEFAULT_WINDOW_DAYS = 183  # about six months from the application date
DEFAULT_VALIDITY_DAYS = 1095  # three years from the decision
DEFAULT_AUDIT_PASS_MARK = 60.0  # audit score 0..100 under which an audit fails
E = TypeVar("E", bound=StrEnum)
OPENED = "opened"  # the "from" of a case's first transition
SYSTEM = "system"  # who expires a case


class CaseStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    QUALIFIED = "qualified"
    CONDITIONALLY_QUALIFIED = "conditionally_qualified"
    REJECTED = "rejected"
    EXPIRED = "expired"


class Outcome(StrEnum):
    QUALIFIED = "qualified"
    CONDITIONALLY_QUALIFIED = "conditionally_qualified"
    REJECTED = "rejected"


DECIDED = frozenset({CaseStatus.QUALIFIED, CaseStatus.CONDITIONALLY_QUALIFIED})


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Pillar(StrEnum):
    GREEN_DESIGN_AND_RECYCLING = "green_design_and_recycling"
    GREEN_SUPPLIER_MANAGEMENT = "green_supplier_management"
    GREEN_MANUFACTURING = "green_manufacturing"
    ENVIRONMENTAL_DATA_DISCLOSURE = "environmental_data_disclosure"


def _text(value: str, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidDataError(f"{what} must not be empty")
    return cleaned


def _enum_value(kind: type[E], value: str, what: str) -> E:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise InvalidDataError(f"{what} '{value}' is not one of {known}") from None


# --- audit checklists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    pillar: Pillar
    text: str


@dataclass(frozen=True)
class Checklist:
    """Audit items by pillar; ``pillar_weights`` weight the pillars' pass shares."""

    name: str
    items: tuple[ChecklistItem, ...]
    pillar_weights: Mapping[Pillar, float]

    def item(self, code: str) -> ChecklistItem:
        for item in self.items:
            if item.code == code:
                return item
        raise InvalidDataError(f"checklist '{self.name}' has no item '{code}'")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)


_ITEMS: tuple[tuple[str, Pillar, str], ...] = (
    ("GD1", Pillar.GREEN_DESIGN_AND_RECYCLING, "Eco-design: products made for reuse and recycling"),
    ("GD2", Pillar.GREEN_DESIGN_AND_RECYCLING, "Hazardous substances restricted (RoHS, REACH)"),
    ("GD3", Pillar.GREEN_DESIGN_AND_RECYCLING, "Take-back or recycling of products and packaging"),
    ("GD4", Pillar.GREEN_DESIGN_AND_RECYCLING, "Life-cycle assessment or product carbon footprint"),
    ("GS1", Pillar.GREEN_SUPPLIER_MANAGEMENT, "Environmental clauses in contracts with suppliers"),
    ("GS2", Pillar.GREEN_SUPPLIER_MANAGEMENT, "Own suppliers assessed on environmental results"),
    ("GS3", Pillar.GREEN_SUPPLIER_MANAGEMENT, "Emissions data collected from own suppliers"),
    ("GS4", Pillar.GREEN_SUPPLIER_MANAGEMENT, "Own suppliers trained on environmental topics"),
    ("GM1", Pillar.GREEN_MANUFACTURING, "Energy management with efficiency targets (ISO 50001)"),
    ("GM2", Pillar.GREEN_MANUFACTURING, "Environmental management system (ISO 14001)"),
    ("GM3", Pillar.GREEN_MANUFACTURING, "Waste, water and air emissions monitored and reduced"),
    ("GM4", Pillar.GREEN_MANUFACTURING, "Renewable electricity purchased or generated on site"),
    ("ED1", Pillar.ENVIRONMENTAL_DATA_DISCLOSURE, "Yearly Scope 1 and 2 GHG Protocol inventory"),
    ("ED2", Pillar.ENVIRONMENTAL_DATA_DISCLOSURE, "Emissions data verified by a third party"),
    ("ED3", Pillar.ENVIRONMENTAL_DATA_DISCLOSURE, "Public environmental or sustainability report"),
    ("ED4", Pillar.ENVIRONMENTAL_DATA_DISCLOSURE, "Climate targets disclosed (SBTi, CDP)"),
)

GREEN_SUPPLY_CHAIN = Checklist(
    name="green_supply_chain",
    items=tuple(ChecklistItem(code, pillar, text) for code, pillar, text in _ITEMS),
    pillar_weights=dict.fromkeys(Pillar, 0.25),
)

CHECKLISTS: Mapping[str, Checklist] = {GREEN_SUPPLY_CHAIN.name: GREEN_SUPPLY_CHAIN}


def get_checklist(name: str) -> Checklist:
    try:
        return CHECKLISTS[name]
    except KeyError:
        raise InvalidDataError(
            f"unknown audit checklist '{name}' (known: {', '.join(CHECKLISTS)})"
        ) from None


# --- programs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """A program stage and what must be shown to leave it.

    ``documents`` are names of documents the supplier hands in; ``audit_checklist`` names the
    checklist of an audit the stage needs (``minimum_score`` then applies to the audit score);
    ``training_required`` needs the supplier's training completed; ``minimum_score`` (0..100)
    applies to the audit score, or without a checklist to the evaluation score.
    """

    name: str
    documents: tuple[str, ...] = ()
    audit_checklist: str | None = None
    training_required: bool = False
    minimum_score: float | None = None

    def __post_init__(self) -> None:
        name = _text(self.name, "a stage name")
        if name in {s.value for s in CaseStatus} or name == OPENED:
            raise InvalidDataError(f"stage name '{name}' is reserved")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "documents", tuple(_text(d, "a document") for d in self.documents))
        if self.audit_checklist is not None and self.audit_checklist not in CHECKLISTS:
            known = ", ".join(CHECKLISTS)
            raise InvalidDataError(
                f"stage '{name}': unknown audit checklist '{self.audit_checklist}' (known: {known})"
            )
        if self.minimum_score is not None and not (
            math.isfinite(self.minimum_score) and 0 <= self.minimum_score <= 100
        ):
            raise InvalidDataError(
                f"stage '{name}': minimum score {self.minimum_score} must be in 0..100"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "documents": list(self.documents),
            "audit_checklist": self.audit_checklist,
            "training_required": self.training_required,
            "minimum_score": self.minimum_score,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Stage:
        minimum = values.get("minimum_score")
        return cls(
            name=str(values.get("name", "")),
            documents=tuple(str(d) for d in values.get("documents") or ()),
            audit_checklist=values.get("audit_checklist") or None,
            training_required=bool(values.get("training_required", False)),
            minimum_score=float(minimum) if minimum is not None else None,
        )

    def describe(self) -> list[str]:
        """The stage's requirements in words (empty: nothing to show)."""
        needs = [f"document: {d}" for d in self.documents]
        if self.audit_checklist:
            score = (
                f" with a score of at least {self.minimum_score:g}"
                if self.minimum_score is not None
                else ""
            )
            needs.append(f"an audit on the {self.audit_checklist} checklist{score}")
        elif self.minimum_score is not None:
            needs.append(f"an evaluation score of at least {self.minimum_score:g}")
        if self.training_required:
            needs.append("training completed")
        return needs


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("application", documents=("company profile", "environmental policy")),
    Stage("preliminary_audit", audit_checklist="green_supply_chain", minimum_score=50.0),
    Stage("training", training_required=True),
    Stage("final_evaluation", minimum_score=50.0),
    Stage("decision"),
)


@dataclass(frozen=True)
class Program:
    """A qualification program of a buyer: ordered stages, window and validity in days."""

    name: str
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    window_days: int = DEFAULT_WINDOW_DAYS
    validity_days: int = DEFAULT_VALIDITY_DAYS

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _text(self.name, "a program name"))
        stages = tuple(self.stages)
        if len(stages) < 2:
            raise InvalidDataError(f"program '{self.name}' needs at least two stages")
        names = [s.name for s in stages]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise InvalidDataError(
                f"program '{self.name}': stage names must be unique ({', '.join(doubles)})"
            )
        object.__setattr__(self, "stages", stages)
        if not 1 <= self.window_days <= 3660:
            raise InvalidDataError(f"window of {self.window_days} days must be 1..3660")
        if not 1 <= self.validity_days <= 36600:
            raise InvalidDataError(f"validity of {self.validity_days} days must be 1..36600")

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def stage(self, name: str) -> Stage:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise InvalidDataError(
            f"program '{self.name}' has no stage '{name}' (stages: {', '.join(self.stage_names)})"
        )

    def index(self, name: str) -> int:
        return self.stage_names.index(self.stage(name).name)


# --- evidence and corrective actions ------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """What is shown when a case leaves a stage: documents handed in (names), the audit score
    (0..100), whether training is completed, an evaluation score (0..100) and references
    (file names, links) for the record."""

    documents: tuple[str, ...] = ()
    audit_score: float | None = None
    training_completed: bool = False
    score: float | None = None
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, value in (("audit score", self.audit_score), ("score", self.score)):
            if value is not None and not (math.isfinite(value) and 0 <= value <= 100):
                raise InvalidDataError(f"{what} {value} must be in 0..100")

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": list(self.documents),
            "audit_score": self.audit_score,
            "training_completed": self.training_completed,
            "score": self.score,
            "references": list(self.references),
        }


def unmet_requirements(stage: Stage, evidence: Evidence) -> list[str]:
    """What ``evidence`` lacks to leave ``stage`` (empty when every requirement is met).
    Document names compare without case and surrounding spaces."""
    given = {d.strip().lower() for d in evidence.documents}
    unmet = [f"document '{d}' missing" for d in stage.documents if d.lower() not in given]
    if stage.audit_checklist is not None:
        if evidence.audit_score is None:
            unmet.append(f"no audit on the {stage.audit_checklist} checklist")
        elif stage.minimum_score is not None and evidence.audit_score < stage.minimum_score:
            unmet.append(
                f"audit score {evidence.audit_score:.1f} below the minimum {stage.minimum_score:g}"
            )
    elif stage.minimum_score is not None:
        if evidence.score is None:
            unmet.append(f"no evaluation score (minimum {stage.minimum_score:g})")
        elif evidence.score < stage.minimum_score:
            unmet.append(f"score {evidence.score:.1f} below the minimum {stage.minimum_score:g}")
    if stage.training_required and not evidence.training_completed:
        unmet.append("training not completed")
    return unmet


@dataclass(frozen=True)
class CorrectiveAction:
    """A corrective action plan: what, who owns it, by when (and its status)."""

    description: str
    owner: str
    due_on: dt.date
    status: ActionStatus = ActionStatus.OPEN

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "description", _text(self.description, "a corrective action's description")
        )
        object.__setattr__(self, "owner", _text(self.owner, "a corrective action's owner"))
        object.__setattr__(
            self, "status", _enum_value(ActionStatus, self.status, "corrective action status")
        )

    def is_overdue(self, today: dt.date) -> bool:
        return self.status is not ActionStatus.DONE and today > self.due_on

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "owner": self.owner,
            "due_on": self.due_on.isoformat(),
            "status": self.status.value,
        }


# --- the case state machine ---------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """One step of a case: from a stage (or ``opened``/an outcome) to a stage or an outcome."""

    from_stage: str
    to_stage: str
    who: str
    when: dt.datetime
    why: str
    cycle: int = 1
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QualificationCase:
    """A supplier's qualification with a buyer, in its current ``cycle``."""

    supplier_id: str
    program: Program
    opened_on: dt.date
    stage: str
    status: CaseStatus = CaseStatus.IN_PROGRESS
    cycle: int = 1
    decided_on: dt.date | None = None
    corrective_actions: tuple[CorrectiveAction, ...] = ()
    transitions: tuple[Transition, ...] = ()
    case_id: int | None = None

    @property
    def deadline(self) -> dt.date:
        """Last day of the window (application date + window days)."""
        return self.opened_on + dt.timedelta(days=self.program.window_days)

    @property
    def valid_until(self) -> dt.date | None:
        """Last day a decided qualification is valid (None before a positive decision)."""
        if self.status not in DECIDED or self.decided_on is None:
            return None
        return self.decided_on + dt.timedelta(days=self.program.validity_days)

    def days_left(self, today: dt.date) -> int:
        return (self.deadline - today).days

    def is_expired(self, when: dt.datetime | dt.date) -> bool:
        """In progress with the window passed (the deadline day itself still counts)."""
        day = when.date() if isinstance(when, dt.datetime) else when
        return self.status is CaseStatus.IN_PROGRESS and day > self.deadline

    def status_at(self, when: dt.datetime | dt.date) -> CaseStatus:
        return CaseStatus.EXPIRED if self.is_expired(when) else self.status

    def needs_requalification(self, today: dt.date) -> bool:
        valid = self.valid_until
        return valid is not None and today > valid

    @property
    def next_stage(self) -> str | None:
        if self.status is not CaseStatus.IN_PROGRESS:
            return None
        names = self.program.stage_names
        index = names.index(self.stage)
        return names[index + 1] if index + 1 < len(names) else None


def _who_why(who: str, why: str) -> tuple[str, str]:
    return _text(who, "who made the change"), _text(why, "the reason for the change")


def open_case(
    supplier_id: str,
    program: Program,
    who: str,
    when: dt.datetime,
    why: str = "application received",
    opened_on: dt.date | None = None,
) -> QualificationCase:
    """A new case at the program's first stage; the window counts from ``opened_on`` (the
    application date, default the day of ``when``)."""
    who, why = _who_why(who, why)
    supplier = _text(supplier_id, "the supplier id")
    first = program.stages[0].name
    return QualificationCase(
        supplier_id=supplier,
        program=program,
        opened_on=opened_on or when.date(),
        stage=first,
        transitions=(Transition(OPENED, first, who, when, why, 1),),
    )


def _check_open(case: QualificationCase, when: dt.datetime) -> None:
    if case.status is CaseStatus.EXPIRED or case.is_expired(when):
        raise ConflictError(
            f"the qualification window of supplier '{case.supplier_id}' ended on "
            f"{case.deadline.isoformat()} without a decision: the case expired "
            "(start a new cycle)"
        )
    if case.status is not CaseStatus.IN_PROGRESS:
        raise ConflictError(
            f"the qualification of supplier '{case.supplier_id}' is {case.status.value}: "
            f"no more changes in cycle {case.cycle} (start a re-qualification cycle)"
        )


def advance(
    case: QualificationCase,
    to_stage: str,
    who: str,
    when: dt.datetime,
    why: str,
    evidence: Evidence | None = None,
) -> QualificationCase:
    """Move the case to the next stage, once the current stage's requirements are met.

    Refused: a finished or expired case (ConflictError); an unknown stage, a skipped or
    earlier stage, or unmet requirements (InvalidDataError, naming the current and the
    requested stage).
    """
    _check_open(case, when)
    who, why = _who_why(who, why)
    program = case.program
    target = program.stage(to_stage.strip()).name
    current_index = program.index(case.stage)
    target_index = program.index(target)
    if target_index != current_index + 1:
        expected = case.next_stage
        if target_index <= current_index:
            problem = "stages cannot be revisited"
        else:
            problem = "stages cannot be skipped"
        after = f"; the next stage is '{expected}'" if expected else "; take the decision"
        raise InvalidDataError(
            f"cannot move from stage '{case.stage}' to '{target}': {problem}{after}"
        )
    given = evidence or Evidence()
    unmet = unmet_requirements(program.stage(case.stage), given)
    if unmet:
        raise InvalidDataError(
            f"cannot move from stage '{case.stage}' to '{target}': " + "; ".join(unmet)
        )
    step = Transition(case.stage, target, who, when, why, case.cycle, given.to_dict())
    return replace(case, stage=target, transitions=(*case.transitions, step))


def decide(
    case: QualificationCase,
    outcome: Outcome | str,
    who: str,
    when: dt.datetime,
    why: str,
    evidence: Evidence | None = None,
    corrective_actions: Sequence[CorrectiveAction] = (),
) -> QualificationCase:
    """Close the cycle with an outcome.

    ``rejected`` may end a case at any stage. ``qualified`` and ``conditionally_qualified``
    are decided at the last stage once its requirements are met; a conditional
    qualification needs at least one corrective action, each due after the decision day.
    """
    _check_open(case, when)
    who, why = _who_why(who, why)
    result = _enum_value(Outcome, outcome, "outcome")
    given = evidence or Evidence()
    actions = tuple(corrective_actions)
    if result is not Outcome.REJECTED:
        last = case.program.stages[-1].name
        if case.stage != last:
            raise InvalidDataError(
                f"cannot decide '{result.value}' at stage '{case.stage}': the decision is "
                f"taken at stage '{last}' (stages cannot be skipped)"
            )
        unmet = unmet_requirements(case.program.stage(last), given)
        if unmet:
            raise InvalidDataError(f"cannot decide '{result.value}': " + "; ".join(unmet))
    if result is Outcome.CONDITIONALLY_QUALIFIED and not actions:
        raise InvalidDataError(
            "a conditional qualification needs corrective actions with an owner and a due date"
        )
    late = [a for a in actions if a.due_on <= when.date()]
    if late:
        raise InvalidDataError(
            f"corrective action '{late[0].description}' is due on {late[0].due_on.isoformat()}, "
            "not after the decision day"
        )
    record = given.to_dict() | {"corrective_actions": [a.to_dict() for a in actions]}
    step = Transition(case.stage, result.value, who, when, why, case.cycle, record)
    return replace(
        case,
        status=CaseStatus(result.value),
        decided_on=when.date(),
        corrective_actions=(*case.corrective_actions, *actions),
        transitions=(*case.transitions, step),
    )


def expire(case: QualificationCase, when: dt.datetime) -> QualificationCase:
    """Mark the case expired when its window passed without a decision (else unchanged)."""
    if not case.is_expired(when):
        return case
    step = Transition(
        case.stage,
        CaseStatus.EXPIRED.value,
        SYSTEM,
        when,
        f"the qualification window ended on {case.deadline.isoformat()} without a decision",
        case.cycle,
    )
    return replace(case, status=CaseStatus.EXPIRED, transitions=(*case.transitions, step))


def requalify(
    case: QualificationCase,
    who: str,
    when: dt.datetime,
    why: str,
    *,
    on_demand: bool = False,
) -> QualificationCase:
    """Start the next cycle at the first stage, the window counting from ``when``.

    A qualification (conditional or not) is re-qualified once its validity has passed, or
    earlier ``on_demand``; a rejected or expired case may apply again at any time. A case in
    progress cannot start a new cycle (ConflictError).
    """
    who, why = _who_why(who, why)
    current = case.status_at(when)
    if current is CaseStatus.IN_PROGRESS:
        raise ConflictError(
            f"the qualification of supplier '{case.supplier_id}' is in progress at stage "
            f"'{case.stage}': finish or reject it before a new cycle"
        )
    valid = case.valid_until
    if current in DECIDED and valid is not None and when.date() <= valid and not on_demand:
        raise ConflictError(
            f"the qualification of supplier '{case.supplier_id}' is valid until "
            f"{valid.isoformat()}: re-qualify after that, or on demand"
        )
    if current is CaseStatus.EXPIRED and case.status is CaseStatus.IN_PROGRESS:
        case = expire(case, when)
    first = case.program.stages[0].name
    cycle = case.cycle + 1
    step = Transition(case.status.value, first, who, when, why, cycle)
    return replace(
        case,
        stage=first,
        status=CaseStatus.IN_PROGRESS,
        cycle=cycle,
        opened_on=when.date(),
        decided_on=None,
        corrective_actions=(),
        transitions=(*case.transitions, step),
    )


# --- reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """``window``: a case in progress whose window ends on ``due_on``; ``requalification``: a
    qualification whose validity ends on ``due_on``."""

    kind: str
    case: QualificationCase
    due_on: dt.date
    days_left: int


def reminders(
    cases: Iterable[QualificationCase], today: dt.date, within_days: int = 30
) -> list[Reminder]:
    """Cases whose window (or qualification validity) ends within ``within_days`` days from
    ``today`` (inclusive), soonest first. Windows already passed are not reminders: those
    cases expired."""
    if within_days < 0:
        raise InvalidDataError(f"within {within_days} days: give 0 or more days")
    found: list[Reminder] = []
    for case in cases:
        if case.status is CaseStatus.IN_PROGRESS:
            kind, due = "window", case.deadline
        elif case.valid_until is not None:
            kind, due = "requalification", case.valid_until
        else:
            continue
        left = (due - today).days
        if 0 <= left <= within_days:
            found.append(Reminder(kind, case, due, left))
    return sorted(found, key=lambda r: (r.due_on, r.case.supplier_id))


# --- audits ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A gap found in an audit against one checklist item."""

    item_code: str
    severity: Severity
    description: str
    action: CorrectiveAction | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", _enum_value(Severity, self.severity, "severity"))
        object.__setattr__(self, "description", _text(self.description, "a finding"))


@dataclass(frozen=True)
class AuditScore:
    """``score`` 0..100; ``by_pillar`` the share of each pillar's items passed (0..1)."""

    score: float
    by_pillar: Mapping[str, float]
    passed_items: tuple[str, ...]
    failed_items: tuple[str, ...]


def score_audit(checklist: Checklist, results: Mapping[str, bool]) -> AuditScore:
    """Audit score = 100 x sum over pillars of (weight x share of the pillar's items passed),
    divided by the sum of the weights. Every item must be answered (passed or not).

    Example, equal weights: 4/4, 2/4, 3/4, 1/4 passed -> 100 x (1 + 0.5 + 0.75 + 0.25) / 4
    = 62.5.
    """
    unknown = sorted(set(results) - set(checklist.codes))
    if unknown:
        raise InvalidDataError(f"checklist '{checklist.name}' has no item {', '.join(unknown)}")
    missing = [c for c in checklist.codes if c not in results]
    if missing:
        raise InvalidDataError(
            f"audit on '{checklist.name}': items not answered: {', '.join(missing)}"
        )
    by_pillar: dict[str, float] = {}
    weighted = total = 0.0
    for pillar in Pillar:
        items = [i for i in checklist.items if i.pillar is pillar]
        if not items:
            continue
        share = sum(1 for i in items if results[i.code]) / len(items)
        weight = float(checklist.pillar_weights.get(pillar, 0.0))
        by_pillar[pillar.value] = share
        weighted += weight * share
        total += weight
    score = 100.0 * weighted / total if total else 0.0
    return AuditScore(
        score=score,
        by_pillar=by_pillar,
        passed_items=tuple(c for c in checklist.codes if results[c]),
        failed_items=tuple(c for c in checklist.codes if not results[c]),
    )


def check_findings(checklist: Checklist, findings: Sequence[Finding], audited_on: dt.date) -> None:
    """Findings name checklist items; major and critical ones need a corrective action plan
    (owner and a due date not before the audit)."""
    for finding in findings:
        checklist.item(finding.item_code)
        if finding.severity is not Severity.MINOR and finding.action is None:
            raise InvalidDataError(
                f"{finding.severity.value} finding on {finding.item_code} needs a corrective "
                "action with an owner and a due date"
            )
        if finding.action is not None and finding.action.due_on < audited_on:
            raise InvalidDataError(
                f"corrective action for {finding.item_code} is due before the audit "
                f"({finding.action.due_on.isoformat()} < {audited_on.isoformat()})"
            )


def audit_verdict(
    score: float, findings: Sequence[Finding], pass_mark: float = DEFAULT_AUDIT_PASS_MARK
) -> str:
    """``passed`` when the score reaches ``pass_mark`` and no finding is critical."""
    if any(f.severity is Severity.CRITICAL for f in findings):
        return "failed"
    return "passed" if score >= pass_mark else "failed"
