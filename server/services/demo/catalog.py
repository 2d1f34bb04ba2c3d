"""The cast of the demo workspace: its vendors, projects, people's names and the words they write.

Pure data; `generate` turns it into rows with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.db.enums import (
    Certification,
    ChannelCadence,
    ChannelKind,
    DataType,
    PricingModel,
    ProjectStatus,
    VendorStatus,
    WorkforceType,
)

__all__ = [
    "FIRST_NAMES",
    "LAST_NAMES",
    "PROJECTS",
    "VENDORS",
    "ChannelSpec",
    "Cohorts",
    "GuidelineChangeSpec",
    "ProjectSpec",
    "VendorSpec",
    "Vetting",
]


@dataclass(frozen=True)
class Cohorts:
    """How many of a vendor's labelers are in each situation; production starts are days from the window start.

    veterans reached production before the window; `early` ones within its first ten days (their whole first six
    weeks are in the data), `mid` ones later; `pipeline` ones are still hiring, training or testing at the anchor.
    """

    veterans: int = 0
    early: int = 0
    mid: int = 0
    pipeline: int = 0
    leavers: int = 0
    early_range: tuple[float, float] = (0.0, 10.0)
    mid_range: tuple[float, float] = (14.0, 35.0)


@dataclass(frozen=True)
class VendorSpec:
    key: str
    name: str
    workforce_type: WorkforceType
    data_types: tuple[DataType, ...]
    industries: tuple[str, ...]
    specialist_skills: tuple[str, ...]
    certifications: tuple[Certification, ...]
    time_zone: str
    pricing_model: PricingModel
    rate: float
    kickoff_days: int
    status: VendorStatus
    trial_quality: float | None
    trial_labels_per_hour: float | None
    trial_notes: str | None
    projects: tuple[str, ...]
    cohorts: Cohorts
    labeler_skills: tuple[str, ...]
    email_domain: str
    reviewers: bool = False
    offboarded_day: float | None = None
    created_days_before: int = 120
    # Labelers' shifts: local start hour, hours per shift (each person's own length is drawn around it) and the
    # chance that a labeler also works each weekend day (crowd workers pick some up).
    shift_start_hour: float = 9.0
    shift_hours: float = 7.0
    weekend_share: float = 0.0
    vetting: Vetting | None = None
    channels: tuple[ChannelSpec, ...] = ()


@dataclass(frozen=True)
class ChannelSpec:
    """A way to reach a vendor: for all its projects (`project` None) or one of them, by the project's key."""

    kind: ChannelKind
    link: str
    note: str
    cadence: ChannelCadence
    preferred: bool = False
    project: str | None = None


@dataclass(frozen=True)
class Vetting:
    """The vendor's vetting answers (see `Vendor`)."""

    days_per_week: int
    hours_per_day: float
    languages: tuple[str, ...]
    communication_style: str
    response_hours: float


@dataclass(frozen=True)
class GuidelineChangeSpec:
    """A guideline version published mid-way: from `day` on, labelers' error rates are `error_factor` times what
    they were, so rework falls visibly after the change."""

    day: float
    error_factor: float
    change_note: str
    instructions: str
    examples: tuple[dict[str, Any], ...]
    common_mistakes: tuple[dict[str, str], ...]
    issue_titles: tuple[str, ...]  # the issues this change settles, when resolved before it


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    name: str
    description: str
    data_type: DataType
    answer_field: str
    classes: tuple[str, ...]
    class_weights: tuple[float, ...]
    ontology: dict[str, Any]
    instructions: str
    status: ProjectStatus
    quality_target: float
    sla_turnaround_hours: float
    sla_target_share: float
    deadline_days: float | None
    budget: float | None
    consensus_labels_per_task: int
    consensus_coverage: float
    benchmark_rate: float
    review_share: float
    seconds_t0: float
    review_seconds: float
    tasks_per_day: float
    start_day: float
    created_day: float
    external_prefix: str
    payload_pattern: str
    reject_comments: tuple[str, ...]
    issue_titles: tuple[str, ...]
    issue_details: tuple[str, ...]
    resolutions: tuple[str, ...]
    replies: tuple[str, ...] = field(
        default=(
            "Thanks for flagging. Looking at it now.",
            "Good catch: I checked three similar tasks and see the same thing.",
            "Please follow the instructions' section on edge cases for now.",
            "Escalated to the project owner; will update here.",
        )
    )
    guideline_change: GuidelineChangeSpec | None = None


_DRIVING_CLASSES = ("car", "pedestrian", "cyclist", "truck", "bus", "traffic_sign", "traffic_light")
_SUPPORT_CLASSES = ("positive", "neutral", "negative", "mixed")
_DICTATION_CLASSES = ("accurate", "minor_errors", "major_errors", "unusable")

PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        key="driving",
        name="Autonomous driving: 2D bounding boxes",
        description="Front-camera frames from urban and highway drives; box every road user and traffic control.",
        data_type=DataType.IMAGE,
        answer_field="class",
        classes=_DRIVING_CLASSES,
        class_weights=(0.42, 0.2, 0.08, 0.1, 0.04, 0.1, 0.06),
        ontology={
            "kind": "bounding_box",
            "field": "class",
            "classes": list(_DRIVING_CLASSES),
            "attributes": {"occluded": "boolean", "truncated": "boolean"},
        },
        instructions=(
            "Draw a tight box around each visible object, including occluded parts you can infer. "
            "Label the dominant object class of the frame in `class`. Ignore reflections and objects under 10 px."
        ),
        status=ProjectStatus.ACTIVE,
        quality_target=0.95,
        sla_turnaround_hours=48.0,
        sla_target_share=0.95,
        deadline_days=70.0,
        budget=120_000.0,
        consensus_labels_per_task=3,
        consensus_coverage=0.10,
        benchmark_rate=0.05,
        review_share=0.30,
        seconds_t0=900.0,
        review_seconds=18.0,
        tasks_per_day=365.0,
        start_day=0.0,
        created_day=-21.0,
        external_prefix="frame",
        payload_pattern="s3://labelops-demo/driving/cam_front/{index:06d}.jpg",
        reject_comments=(
            "Box is loose: leave at most 2 px around the object.",
            "Wrong class: this is a truck, not a car.",
            "Occluded pedestrian behind the bus was missed.",
            "Cyclist labelled as pedestrian; the bicycle is visible.",
            "Traffic light boxed without its housing.",
        ),
        issue_titles=(
            "Motorcycles: car or cyclist?",
            "Frame is overexposed, objects barely visible",
            "Reflection of a bus in a shop window",
            "Duplicate frame in the queue",
            "Tow truck carrying a car: one box or two?",
        ),
        issue_details=(
            "The ontology has no motorcycle class; which class should I use?",
            "Sun glare makes the far objects impossible to box reliably.",
            "Should reflections be boxed? The instructions are not explicit.",
            "This frame looks identical to the previous one.",
        ),
        resolutions=(
            "Use `cyclist` for all two-wheelers; instructions updated.",
            "Skip overexposed frames with the `unusable` flag; reviewers will not reject them.",
            "Reflections are never boxed; added an example to the instructions.",
            "Duplicate removed from the batch.",
        ),
    ),
    ProjectSpec(
        key="support",
        name="Support chatbot: conversation sentiment",
        description="Customer-support chat transcripts; classify the customer's overall sentiment for intent routing.",
        data_type=DataType.TEXT,
        answer_field="sentiment",
        classes=_SUPPORT_CLASSES,
        class_weights=(0.22, 0.38, 0.3, 0.1),
        ontology={"kind": "classification", "field": "sentiment", "classes": list(_SUPPORT_CLASSES)},
        instructions=(
            "Read the whole conversation and pick the customer's sentiment at the end of it. "
            "Use `mixed` only when the customer is clearly both satisfied and dissatisfied."
        ),
        status=ProjectStatus.ACTIVE,
        quality_target=0.92,
        sla_turnaround_hours=24.0,
        sla_target_share=0.9,
        deadline_days=45.0,
        budget=60_000.0,
        consensus_labels_per_task=3,
        consensus_coverage=0.15,
        benchmark_rate=0.08,
        review_share=0.25,
        seconds_t0=370.0,
        review_seconds=9.0,
        tasks_per_day=420.0,
        start_day=0.0,
        created_day=-14.0,
        external_prefix="chat",
        payload_pattern="support://conversations/{index:07d}",
        reject_comments=(
            "Customer ends satisfied: this is positive, not neutral.",
            "Sarcasm: the customer is negative despite the polite words.",
            "Mixed is for both strong praise and complaint; this is negative.",
            "Sentiment of the agent was labelled instead of the customer's.",
        ),
        issue_titles=(
            "Conversation in Portuguese",
            "Bot-only transcript, no customer message",
            "Sentiment changes halfway through",
            "Transcript contains a credit card number",
        ),
        issue_details=(
            "The whole chat is not in English; should I label it anyway?",
            "The customer left before typing anything.",
            "Angry at first, happy at the end. Which one counts?",
            "Personal data visible in the transcript.",
        ),
        resolutions=(
            "Label non-English chats if you read the language; otherwise skip with a comment.",
            "Label empty conversations as neutral.",
            "The sentiment at the end of the conversation counts.",
            "Reported to the data owner; the transcript was redacted.",
        ),
        guideline_change=GuidelineChangeSpec(
            day=28.0,
            error_factor=0.5,
            change_note=(
                "Reviewers kept rejecting sarcasm and mid-conversation changes of mood: the sentiment at the end "
                "counts, sarcasm is negative; added worked examples and the common mistakes from review comments."
            ),
            instructions=(
                "Read the whole conversation and pick the customer's sentiment at the end of it. "
                "Use `mixed` only when the customer is clearly both satisfied and dissatisfied.\n"
                "Sarcasm is `negative`, whatever the polite words.\n"
                "Label the customer's sentiment, never the agent's."
            ),
            examples=(
                {
                    "input": "Customer: Oh great, a third outage this week. Wonderful service.",
                    "answer": {"sentiment": "negative"},
                    "explanation": "Sarcasm: the words are polite, the customer is not.",
                },
                {
                    "input": "Customer: This is useless! ... Agent fixes it ... Customer: Works now, thanks a lot!",
                    "answer": {"sentiment": "positive"},
                    "explanation": "The sentiment at the end of the conversation counts.",
                },
            ),
            common_mistakes=(
                {"mistake": "Labelling the agent's sentiment", "correction": "Label the customer only."},
                {"mistake": "Sarcasm labelled positive or neutral", "correction": "Sarcasm is negative."},
                {"mistake": "`mixed` for a change of mood", "correction": "Take the sentiment at the end."},
            ),
            issue_titles=("Sentiment changes halfway through",),
        ),
    ),
    ProjectSpec(
        key="dictation",
        name="Clinical dictation: transcript QA",
        description="Physicians' dictated notes with machine transcripts; grade each transcript against the audio.",
        data_type=DataType.AUDIO,
        answer_field="quality",
        classes=_DICTATION_CLASSES,
        class_weights=(0.55, 0.3, 0.12, 0.03),
        ontology={"kind": "classification", "field": "quality", "classes": list(_DICTATION_CLASSES)},
        instructions=(
            "Listen to the full recording and compare it with the transcript. Any wrong drug name or dosage is a "
            "major error. Never copy patient identifiers outside the tool."
        ),
        status=ProjectStatus.ACTIVE,
        quality_target=0.97,
        sla_turnaround_hours=72.0,
        sla_target_share=0.95,
        deadline_days=90.0,
        budget=25_000.0,
        consensus_labels_per_task=1,
        consensus_coverage=0.0,
        benchmark_rate=0.10,
        review_share=0.50,
        seconds_t0=900.0,
        review_seconds=55.0,
        tasks_per_day=36.0,
        start_day=28.0,
        created_day=20.0,
        external_prefix="dictation",
        payload_pattern="s3://labelops-demo/dictation/{index:06d}.wav",
        reject_comments=(
            "Dosage '50 mg' transcribed as '15 mg': this is a major error.",
            "Drug name misspelled in the transcript; grade as minor_errors at least.",
            "Background noise does not make the recording unusable here.",
        ),
        issue_titles=(
            "Audio cuts off before the end",
            "Two physicians speaking on one recording",
            "Unfamiliar drug name",
        ),
        issue_details=(
            "The recording stops mid-sentence.",
            "Should both speakers be checked?",
            "I cannot verify the spelling of this medication.",
        ),
        resolutions=(
            "Grade truncated recordings as unusable.",
            "Check both speakers; the transcript should cover the whole recording.",
            "Use the formulary list linked in the instructions.",
        ),
    ),
    ProjectSpec(
        key="footprints",
        name="Satellite imagery: building footprints",
        description="Planned: polygons around buildings in 30 cm satellite tiles for a mapping customer.",
        data_type=DataType.GEOSPATIAL,
        answer_field="class",
        classes=("residential", "commercial", "industrial"),
        class_weights=(0.6, 0.3, 0.1),
        ontology={"kind": "polygon", "field": "class", "classes": ["residential", "commercial", "industrial"]},
        instructions="Draft: trace each building's roof outline; merge attached buildings.",
        status=ProjectStatus.DRAFT,
        quality_target=0.9,
        sla_turnaround_hours=96.0,
        sla_target_share=0.9,
        deadline_days=150.0,
        budget=40_000.0,
        consensus_labels_per_task=1,
        consensus_coverage=0.0,
        benchmark_rate=0.05,
        review_share=0.2,
        seconds_t0=1200.0,
        review_seconds=40.0,
        tasks_per_day=0.0,
        start_day=56.0,
        created_day=50.0,
        external_prefix="tile",
        payload_pattern="s3://labelops-demo/tiles/{index:06d}.tif",
        reject_comments=(),
        issue_titles=(),
        issue_details=(),
        resolutions=(),
    ),
)

VENDORS: tuple[VendorSpec, ...] = (
    VendorSpec(
        key="northwind",
        name="Northwind Annotation",
        workforce_type=WorkforceType.FULL_TIME,
        data_types=(DataType.IMAGE, DataType.VIDEO, DataType.TEXT),
        industries=("automotive", "retail"),
        specialist_skills=("lidar", "video tracking"),
        certifications=(Certification.SOC2_TYPE_II, Certification.GDPR),
        time_zone="Asia/Manila",
        pricing_model=PricingModel.HOURLY,
        rate=13.5,
        kickoff_days=10,
        status=VendorStatus.ONBOARDED,
        trial_quality=0.94,
        trial_labels_per_hour=5.5,
        trial_notes="Trial on 2,000 frames: tight boxes, fast ramp-up, responsive team lead.",
        projects=("driving", "support"),
        cohorts=Cohorts(veterans=10, early=7, mid=3, pipeline=4, leavers=2),
        labeler_skills=("bounding_boxes", "polygons"),
        email_domain="northwind-annotation.example",
        created_days_before=160,
        vetting=Vetting(
            5,
            8.0,
            ("English", "Tagalog"),
            "Daily written summary from the team lead; blockers escalated within the hour",
            2.0,
        ),
        channels=(
            ChannelSpec(
                ChannelKind.CHAT,
                "https://chat.northwind-annotation.example/labelops",
                "Team leads on #labelops, Manila office hours",
                ChannelCadence.DAILY,
                preferred=True,
            ),
            ChannelSpec(
                ChannelKind.MEETING,
                "https://meet.example/northwind-weekly",
                "Weekly quality review with the QA lead",
                ChannelCadence.WEEKLY,
            ),
            ChannelSpec(
                ChannelKind.DOCUMENT,
                "https://docs.example/driving-edge-cases",
                "Edge cases of the driving project, answered in the doc",
                ChannelCadence.AS_NEEDED,
                project="driving",
            ),
        ),
    ),
    VendorSpec(
        key="crowd",
        name="Crowdsource Collective",
        workforce_type=WorkforceType.CROWD,
        data_types=(DataType.TEXT, DataType.IMAGE),
        industries=("e-commerce", "customer support", "automotive"),
        specialist_skills=("foreign-language experts",),
        certifications=(Certification.GDPR,),
        time_zone="Europe/Warsaw",
        pricing_model=PricingModel.PER_LABEL,
        rate=0.085,
        kickoff_days=5,
        status=VendorStatus.ONBOARDED,
        trial_quality=0.9,
        trial_labels_per_hour=14.0,
        trial_notes="Trial on 5,000 chats: very fast, quality uneven across workers; needs benchmarks.",
        projects=("support", "driving"),
        cohorts=Cohorts(veterans=9, early=7, mid=2, pipeline=3, leavers=2),
        labeler_skills=("text classification", "polish", "german"),
        email_domain="crowdsource-collective.example",
        created_days_before=110,
        shift_start_hour=16.0,
        shift_hours=3.0,
        weekend_share=0.3,
        vetting=Vetting(7, 3.0, ("English", "Polish", "German"), "Answers in the task forum; no standing calls", 12.0),
        channels=(
            ChannelSpec(
                ChannelKind.EMAIL,
                "mailto:ops@crowdsource-collective.example",
                "Ops desk, weekdays",
                ChannelCadence.AS_NEEDED,
                preferred=True,
            ),
            ChannelSpec(
                ChannelKind.DOCUMENT,
                "https://forum.crowdsource-collective.example/support-sentiment",
                "Worker forum thread of the chatbot project",
                ChannelCadence.DAILY,
                project="support",
            ),
        ),
    ),
    VendorSpec(
        key="medscribe",
        name="MedScribe Partners",
        workforce_type=WorkforceType.FULL_TIME,
        data_types=(DataType.AUDIO, DataType.TEXT),
        industries=("healthcare",),
        specialist_skills=("medical doctors", "medical transcription"),
        certifications=(Certification.HIPAA, Certification.SOC2_TYPE_II),
        time_zone="America/Chicago",
        pricing_model=PricingModel.HOURLY,
        rate=38.0,
        kickoff_days=21,
        status=VendorStatus.TRIAL,
        trial_quality=0.96,
        trial_labels_per_hour=4.5,
        trial_notes="Trial running on the dictation pilot: accurate on drug names, slower than planned.",
        projects=("dictation",),
        cohorts=Cohorts(mid=6, mid_range=(24.0, 28.0)),
        labeler_skills=("medical transcription", "pharmacology"),
        email_domain="medscribe-partners.example",
        created_days_before=45,
        shift_start_hour=13.0,
        shift_hours=2.5,
        vetting=Vetting(
            5, 2.5, ("English", "Spanish"), "Clinical lead on a fortnightly call; written notes after each", 24.0
        ),
        channels=(
            ChannelSpec(
                ChannelKind.MEETING,
                "https://meet.example/medscribe-pilot",
                "Pilot review with the clinical lead",
                ChannelCadence.BIWEEKLY,
                preferred=True,
            ),
        ),
    ),
    VendorSpec(
        key="inhouse",
        name="LabelOps In-house QA",
        workforce_type=WorkforceType.IN_HOUSE,
        data_types=(DataType.IMAGE, DataType.TEXT, DataType.AUDIO),
        industries=("automotive", "customer support", "healthcare"),
        specialist_skills=("quality review",),
        certifications=(Certification.SOC2_TYPE_II, Certification.GDPR, Certification.HIPAA),
        time_zone="America/Los_Angeles",
        pricing_model=PricingModel.HOURLY,
        rate=46.0,
        kickoff_days=0,
        status=VendorStatus.ONBOARDED,
        trial_quality=None,
        trial_labels_per_hour=None,
        trial_notes=None,
        projects=("driving", "support", "dictation"),
        cohorts=Cohorts(veterans=6),
        labeler_skills=("quality review",),
        email_domain="labelops.example",
        reviewers=True,
        created_days_before=400,
    ),
    VendorSpec(
        key="vector",
        name="Vector Labeling Co",
        workforce_type=WorkforceType.CROWD,
        data_types=(DataType.IMAGE,),
        industries=("automotive",),
        specialist_skills=(),
        certifications=(),
        time_zone="America/Sao_Paulo",
        pricing_model=PricingModel.PER_LABEL,
        rate=0.06,
        kickoff_days=3,
        status=VendorStatus.OFFBOARDED,
        trial_quality=0.82,
        trial_labels_per_hour=6.5,
        trial_notes="Offboarded in week 2: benchmark accuracy stayed below 85% after retraining.",
        projects=("driving",),
        cohorts=Cohorts(veterans=3),
        labeler_skills=("bounding_boxes",),
        email_domain="vector-labeling.example",
        offboarded_day=10.0,
        created_days_before=90,
        shift_hours=6.0,
        weekend_share=0.3,
    ),
    VendorSpec(
        key="polyglot",
        name="Polyglot Linguistics",
        workforce_type=WorkforceType.CROWD,
        data_types=(DataType.TEXT, DataType.AUDIO),
        industries=("customer support", "media"),
        specialist_skills=("foreign-language experts", "security clearance"),
        certifications=(Certification.GDPR,),
        time_zone="Europe/Berlin",
        pricing_model=PricingModel.PER_LABEL,
        rate=0.14,
        kickoff_days=14,
        status=VendorStatus.PROSPECT,
        trial_quality=None,
        trial_labels_per_hour=None,
        trial_notes=None,
        projects=(),
        cohorts=Cohorts(),
        labeler_skills=(),
        email_domain="polyglot-linguistics.example",
        created_days_before=12,
        vetting=Vetting(
            6,
            6.0,
            ("English", "German", "French", "Spanish", "Japanese"),
            "Account manager by e-mail; samples within two days",
            8.0,
        ),
        channels=(
            ChannelSpec(
                ChannelKind.EMAIL,
                "mailto:accounts@polyglot-linguistics.example",
                "Account manager for the trial",
                ChannelCadence.AS_NEEDED,
                preferred=True,
            ),
        ),
    ),
)

FIRST_NAMES: tuple[str, ...] = (
    "Ana", "Ben", "Chen", "Dana", "Emeka", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo",
    "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wen", "Xena", "Yusuf", "Zoe",
    "Aiko", "Bruno", "Carmen", "Dmitri", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luis",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Santos", "Kowalski", "Nguyen", "Okafor", "Muller", "Reyes", "Tanaka", "Haddad", "Novak", "Silva",
    "Mensah", "Larsen", "Ibrahim", "Costa", "Petrov", "Garcia", "Kim", "Dubois", "Rossi", "Ahmed",
)  # fmt: skip
