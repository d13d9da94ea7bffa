"""Request and response bodies (separate models per direction, as in the FastAPI template)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from matcher.ingest import MAX_TEXT
from matcher.plan.event import (
    DEFAULT_END,
    DEFAULT_EXTRA_MIN_GRADE,
    DEFAULT_MAX_MEETINGS,
    DEFAULT_MIN_MEETINGS,
    DEFAULT_MINUTES,
    DEFAULT_START,
)
from matcher.schema import NEED, REGION, RESOURCE_TYPE, STAGE, TRACK, Project, Resource, Vocabulary

from .config import MAX_K
from .db import EventRow, JobRow, PlanRow

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Reject what would break storage or spreadsheets: control characters, lone surrogates."""
    if _CONTROL.search(value):
        raise ValueError("control characters (such as NUL) are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (no lone surrogates)") from None
    return value.strip()


def identifier(value: str) -> str:
    """A record id: clean text, non-empty, no slashes (it is a URL path segment)."""
    value = clean_text(value)
    if not value or "/" in value or "\\" in value:
        raise ValueError("an id must be non-empty and contain no slashes")
    return value


def spellings(vocabulary: Vocabulary) -> dict[str, str]:
    """Exact spellings the JSON API accepts (keys, Chinese labels, aliases) → key.

    Spreadsheets are parsed leniently (case, width); JSON is held to what the schema lists.
    """
    out = {key: key for key in vocabulary.keys}
    out.update({label: key for key, label in vocabulary.labels.items()})
    out.update({alias: key for alias, key in vocabulary.aliases.items()})
    return out


def _enum(vocabulary: Vocabulary, optional: bool = False) -> dict[str, Any]:
    return {"enum": [*spellings(vocabulary), *([""] if optional else [])]}


def _to_key(vocabulary: Vocabulary, optional: bool = False) -> Callable[[str], str]:
    """A validator: one of the vocabulary's spellings → its key."""
    allowed = spellings(vocabulary)

    def parse(value: str) -> str:
        if optional and value == "":
            return ""
        if value not in allowed:
            raise ValueError(
                f"invalid {vocabulary.name} {value!r}; allowed: {vocabulary.allowed()}"
            )
        return allowed[value]

    return parse


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# documents clean_text's rule in the schema (checked by the validator, which also refuses surrogates)
NO_CONTROL = {"pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$"}
ID_RULE = {"pattern": "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f/\\\\]*$"}
Text = Annotated[
    str, Field(max_length=MAX_TEXT, json_schema_extra=NO_CONTROL), AfterValidator(clean_text)
]
Name = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT, json_schema_extra=NO_CONTROL),
    AfterValidator(clean_text),
]
Identifier = Annotated[
    str, Field(min_length=1, max_length=128, json_schema_extra=ID_RULE), AfterValidator(identifier)
]
Short = Annotated[
    str, Field(max_length=200, json_schema_extra=NO_CONTROL), AfterValidator(clean_text)
]
TrackTerm = Annotated[str, Field(json_schema_extra=_enum(TRACK)), AfterValidator(_to_key(TRACK))]
StageTerm = Annotated[str, Field(json_schema_extra=_enum(STAGE)), AfterValidator(_to_key(STAGE))]
NeedTerm = Annotated[str, Field(json_schema_extra=_enum(NEED)), AfterValidator(_to_key(NEED))]
TypeTerm = Annotated[
    str, Field(json_schema_extra=_enum(RESOURCE_TYPE)), AfterValidator(_to_key(RESOURCE_TYPE))
]
RegionTerm = Annotated[
    str, Field(json_schema_extra=_enum(REGION, True)), AfterValidator(_to_key(REGION, True))
]
NeedTerms = Annotated[list[NeedTerm], Field(max_length=10), AfterValidator(_unique)]
TrackTerms = Annotated[list[TrackTerm], Field(max_length=4), AfterValidator(_unique)]
StageTerms = Annotated[list[StageTerm], Field(max_length=6), AfterValidator(_unique)]
TypeTerms = Annotated[list[TypeTerm], Field(max_length=13), AfterValidator(_unique)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors -----------------------------------------------------------------------------------


class ErrorMessage(BaseModel):
    """Every error except 422 (which uses FastAPI's validation format)."""

    detail: str


class IssueDetail(BaseModel):
    """One problem, in FastAPI's validation-error shape plus spreadsheet coordinates."""

    loc: list[str | int]
    msg: str
    type: str
    row: int | None = None
    column: str | None = None


class ValidationErrors(BaseModel):
    detail: list[IssueDetail]


# -- records ----------------------------------------------------------------------------------


class ProjectIn(Strict):
    """A project without its id (the id is in the path for PUT)."""

    title: Name
    description: Text = ""
    track: TrackTerm
    stage: StageTerm
    needs: NeedTerms = []
    region: RegionTerm = ""
    institution: Short = ""

    def record(self, project_id: str) -> Project:
        return Project(
            project_id=project_id,
            title=self.title,
            description=self.description,
            track=self.track,
            stage=self.stage,
            needs=tuple(self.needs),
            region=self.region,
            institution=self.institution,
        )


class ProjectCreate(ProjectIn):
    project_id: Identifier


class ProjectPublic(BaseModel):
    project_id: str
    title: str
    description: str
    track: str
    stage: str
    needs: list[str]
    region: str
    institution: str

    @classmethod
    def of(cls, p: Project) -> ProjectPublic:
        return cls(
            project_id=p.project_id,
            title=p.title,
            description=p.description,
            track=p.track,
            stage=p.stage,
            needs=list(p.needs),
            region=p.region,
            institution=p.institution,
        )


class ProjectsPublic(BaseModel):
    data: list[ProjectPublic]
    count: int


class ResourceIn(Strict):
    name: Name
    type: TypeTerm
    description: Text = ""
    offers: NeedTerms = []
    tracks: TrackTerms = []
    stages: StageTerms = []
    region: RegionTerm = ""
    capacity: Annotated[int, Field(ge=0, le=1000, strict=True)] = 8  # not true/false, not "8"

    def record(self, resource_id: str) -> Resource:
        return Resource(
            resource_id=resource_id,
            name=self.name,
            type=self.type,
            description=self.description,
            offers=tuple(self.offers),
            tracks=tuple(self.tracks),
            stages=tuple(self.stages),
            region=self.region,
            capacity=self.capacity,
        )


class ResourceCreate(ResourceIn):
    resource_id: Identifier


class ResourcePublic(BaseModel):
    resource_id: str
    name: str
    type: str
    description: str
    offers: list[str]
    tracks: list[str]
    stages: list[str]
    region: str
    capacity: int

    @classmethod
    def of(cls, r: Resource) -> ResourcePublic:
        return cls(
            resource_id=r.resource_id,
            name=r.name,
            type=r.type,
            description=r.description,
            offers=list(r.offers),
            tracks=list(r.tracks),
            stages=list(r.stages),
            region=r.region,
            capacity=r.capacity,
        )


class ResourcesPublic(BaseModel):
    data: list[ResourcePublic]
    count: int


class ImportResult(BaseModel):
    imported: int
    created: int
    updated: int
    removed: int
    backup: int | None = Field(
        default=None,
        description="a replacing import's backup of the records it replaced "
        "(POST /api/{projects|resources}/backups/{backup}/restore brings them back)",
    )


# -- matches and queries ------------------------------------------------------------------------


class MatchPublic(BaseModel):
    """A suggested partner: `id`/`name`/`type` describe the partner (provider or project)."""

    rank: int
    id: str
    name: str
    type: str = Field(description="provider type key, or the project's track key")
    type_label: str
    score: float
    reasons: str


class MatchesPublic(BaseModel):
    for_id: str
    data: list[MatchPublic]
    count: int


class QueryIn(Strict):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(clean_text)]
    k: Annotated[int, Field(ge=1, le=MAX_K)] = 5
    types: TypeTerms = []

    @model_validator(mode="after")
    def _not_blank(self) -> QueryIn:
        if not self.text:
            raise ValueError("text must not be blank")
        return self


class QueryPublic(BaseModel):
    track: str
    stage: str
    data: list[MatchPublic]
    count: int


# -- credentials ----------------------------------------------------------------------------------


class TokenCreate(Strict):
    project_id: Identifier | None = None
    resource_id: Identifier | None = None
    label: Short = ""

    @model_validator(mode="after")
    def _exactly_one(self) -> TokenCreate:
        if (self.project_id is None) == (self.resource_id is None):
            raise ValueError("give exactly one of project_id and resource_id")
        return self


class TokenIssued(BaseModel):
    token: str = Field(description="shown once; only a salted hash is stored")
    token_id: str
    role: str
    subject_id: str | None


class TokenPublic(BaseModel):
    token_id: str
    role: str
    subject_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


class TokensPublic(BaseModel):
    data: list[TokenPublic]
    count: int


class Me(BaseModel):
    role: str
    subject_id: str | None


# -- events, plans, jobs, outcomes ----------------------------------------------------------------

Slot = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(clean_text)]
SlotRef = int | Slot
Pair = tuple[Identifier, Identifier]


class EventCreate(Strict):
    """An event as `matcher.plan.Event` describes it; `slots` or the start/end/minutes triple."""

    name: Short
    slots: Annotated[list[Slot], Field(min_length=1, max_length=200)] | None = None
    start: Annotated[str, Field(pattern=r"^\d{1,2}:\d{2}$")] = DEFAULT_START
    end: Annotated[str, Field(pattern=r"^\d{1,2}:\d{2}$")] = DEFAULT_END
    minutes: Annotated[int, Field(ge=5, le=240)] = DEFAULT_MINUTES
    tables: (
        Annotated[int, Field(ge=1, le=10_000)]
        | Annotated[list[Slot], Field(min_length=1, max_length=10_000)]
        | None
    ) = None
    min_meetings: Annotated[int, Field(ge=0, le=50)] = DEFAULT_MIN_MEETINGS
    max_meetings: Annotated[int, Field(ge=0, le=50)] = DEFAULT_MAX_MEETINGS
    # beyond min_meetings, a meeting only when expected to grade at least this (0 fills places)
    extra_min_grade: Annotated[float, Field(ge=0, le=3)] = DEFAULT_EXTRA_MIN_GRADE
    capacity: Annotated[
        dict[Identifier, Annotated[int, Field(ge=0, le=1000)]], Field(max_length=10_000)
    ] = {}
    availability: Annotated[
        dict[Identifier, Annotated[list[SlotRef], Field(max_length=200)]], Field(max_length=10_000)
    ] = {}
    projects: Annotated[list[Identifier], Field(max_length=100_000)] | None = None
    resources: Annotated[list[Identifier], Field(max_length=100_000)] | None = None
    pins: Annotated[list[Pair], Field(max_length=10_000)] = []
    blocks: Annotated[list[Pair], Field(max_length=10_000)] = []
    wishes: Annotated[
        list[tuple[Identifier, Identifier, Literal["想见", "want", "不考虑", "no"]]],
        Field(max_length=10_000),
    ] = []
    conflict_of_interest: bool = True


class EventPublic(BaseModel):
    id: int
    name: str
    spec: dict[str, Any]
    created_at: datetime
    archived: bool = False  # read-only and hidden from default lists until restored

    @classmethod
    def of(cls, row: EventRow) -> EventPublic:
        return cls(
            id=row.id,
            name=row.name,
            spec=row.spec,
            created_at=row.created_at,
            archived=row.archived,
        )


class EventsPublic(BaseModel):
    data: list[EventPublic]
    count: int


class PlanRequest(Strict):
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    solver: Literal["flow", "greedy", "milp"] = "flow"
    time_limit: (
        Annotated[
            float,
            Field(gt=0, le=600, description="solver seconds; default MATCHER_PLAN_TIME_LIMIT"),
        ]
        | None
    ) = None


class JobPublic(BaseModel):
    id: int
    kind: str
    event_id: int | None
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    message: str
    plan_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: JobRow) -> JobPublic:
        return cls(
            id=row.id,
            kind=row.kind,
            event_id=row.event_id,
            status=row.status,  # type: ignore[arg-type]
            progress=row.progress,
            message=row.message,
            plan_id=row.plan_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class MeetingPublic(BaseModel):
    project_id: str
    resource_id: str
    slot: str
    table: str
    score: float
    reasons: str
    project_title: str
    resource_name: str


class PlanSummary(BaseModel):
    id: int
    event_id: int
    status: str
    plan_id: str
    meetings: int
    shortfalls: int
    created_at: datetime
    edits: int = 0  # hand edits since planning (moves and swaps)
    archived: bool = False  # read-only and hidden from default lists until restored

    @classmethod
    def of(cls, row: PlanRow) -> PlanSummary:
        body = row.body
        projects = body.get("projects", [])
        return cls(
            id=row.id,
            event_id=row.event_id,
            status=row.status,
            plan_id=str(body.get("plan_id", "")),
            meetings=len(body.get("meetings", [])),
            shortfalls=sum(1 for p in projects if p["meetings"] < p["min_meetings"]),
            created_at=row.created_at,
            edits=len(body.get("edits", [])),
            archived=row.archived,
        )


class MeetingRef(BaseModel):
    project_id: str
    resource_id: str
    slot: str
    table: str


class MeetingKey(Strict):
    """One meeting of a plan, named by its pair."""

    project_id: Identifier
    resource_id: Identifier


class MeetingMove(MeetingKey):
    """Move a meeting to another slot and table. `version`: the plan's `plan_id` the caller
    saw; if the plan changed since, the move is refused (409) instead of overwriting."""

    slot: Slot
    table: Slot
    version: Short | None = None


class MeetingSwap(Strict):
    """Swap two meetings' slots and tables (`version` as in MeetingMove)."""

    first: MeetingKey
    second: MeetingKey
    version: Short | None = None


class PlanComparison(BaseModel):
    """What changed from plan `old` to plan `new`."""

    old: int
    new: int
    summary: str
    added: list[MeetingRef]
    moved: list[tuple[MeetingRef, MeetingRef]]  # (before, after)
    cancelled: list[MeetingRef]
    unchanged: int


class PlansPublic(BaseModel):
    data: list[PlanSummary]
    count: int


class PlanPublic(PlanSummary):
    body: dict[str, Any] = Field(description="the full plan (matcher.plan.Plan.to_dict)")


class AgendaItem(MeetingPublic):
    event_id: int
    event_name: str


class AgendaPublic(BaseModel):
    for_id: str
    data: list[AgendaItem]
    count: int


Outcome = Literal["met", "follow_up", "signed"]


class OutcomeCreate(Strict):
    project_id: Identifier
    resource_id: Identifier
    outcome: Outcome
    event_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    note: Text = ""


class OutcomePublic(BaseModel):
    id: int
    project_id: str
    resource_id: str
    outcome: str
    event_id: int | None
    note: str
    recorded_at: datetime


class OutcomesPublic(BaseModel):
    data: list[OutcomePublic]
    count: int


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: Literal["ready", "loading", "not ready"]
    projects: int = 0
    resources: int = 0
    version: int = 0
    problems: list[str] = []
    updating: bool = Field(
        default=False,
        description="a write is being applied: records it saved answer once it finishes",
    )
    pending: list[str] = Field(
        default=[], description="how the database is ahead of the answers while updating"
    )
    not_matchable: list[str] = Field(
        default=[],
        description="projects on file whose texts are still being encoded in the background "
        "(after a restart mid-import); their matches answer 503 until then",
    )
    process: int = Field(
        default=0,
        description="the server process that answered (its pid): with `serve --workers N` each "
        "connection may reach another one",
    )


# -- learning from the organisers ----------------------------------------------------------------

Grade = Annotated[int, Field(ge=0, le=3, description="0 不合适 · 1 一般 · 2 合适 · 3 非常合适")]


class JudgmentCreate(Strict):
    project_id: Identifier
    resource_id: Identifier
    grade: Grade


class JudgmentsSaved(BaseModel):
    saved: int


class GradedPair(BaseModel):
    """A pair's grade from all its labels (`matcher.labels.combine`), and its labels' count per
    source (organiser, rating, outcome)."""

    project_id: str
    resource_id: str
    grade: int
    counts: dict[str, int]


class LabelPublic(BaseModel):
    source: str
    grade: int
    at: datetime | None


class ContradictionPublic(BaseModel):
    project_id: str
    resource_id: str
    labels: list[LabelPublic]
    description: str


class JudgmentsPublic(BaseModel):
    data: list[GradedPair]
    count: int
    by_source: dict[str, int]
    contradictions: list[ContradictionPublic]


class QueuedPair(BaseModel):
    project_id: str
    project_title: str
    resource_id: str
    resource_name: str
    rankers: list[str]  # which rankers put it in their top 5 ("random" if none)
    score: float  # the expected grade users see


class QueuePublic(BaseModel):
    data: list[QueuedPair]
    count: int


class RatingCreate(Strict):
    """A side's rating of its own meeting in an event's published plan."""

    event_id: Annotated[int, Field(ge=1, le=2**31 - 1)]
    project_id: Identifier
    resource_id: Identifier
    stars: Annotated[int, Field(ge=1, le=5)]
    follow_up: bool = Field(False, description="是否后续跟进: the side wants to follow up")


class RatingPublic(BaseModel):
    event_id: int
    project_id: str
    resource_id: str
    side: str
    stars: int
    follow_up: bool
    rated_at: datetime


class ModelVersionPublic(BaseModel):
    """A model version; id 0 is the shipped model (`models/fusion`)."""

    id: int
    created_at: datetime | None
    status: str  # shipped | active | challenger-lost | inactive
    active: bool
    label_counts: dict[str, int]
    labels_sha256: str
    comparison: dict[str, Any]


class ModelVersionsPublic(BaseModel):
    data: list[ModelVersionPublic]
    count: int
    active: int
