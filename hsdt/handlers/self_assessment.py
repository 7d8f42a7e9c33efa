"""The principal's self-assessment on the questionnaire engine: what it adds is how each answer type
is asked and read (choices, multi-choice ticks, numbers, text, evidence files), and the wording."""

from __future__ import annotations

import dataclasses
from typing import Any

from hsdt import texts as messages
from hsdt.actions import Action
from hsdt.actions import self_assessment as act
from hsdt.events import Button, Reply
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import IdleState, Mode, SelfAssessmentState
from hsdt.handlers.feature import Feature, MenuEntry
from hsdt.handlers.questionnaire import (
    Invalid,
    Locked,
    Outcome,
    QuestionBody,
    Questionnaire,
    Saved,
    Wording,
    replace,
    short,
)
from hsdt.handlers.questionnaire.evidence import storable, store_evidence
from hsdt.handlers.signature_check import verdict_reply
from hsdt.scoring import (
    NUMERIC_TYPES,
    AnswerType,
    AnswerValue,
    Criterion,
    EvidenceCount,
    EvidencePeriod,
    InvalidAnswer,
    MultiChoice,
    Option,
    SingleChoice,
    StoredValue,
    allowed_options,
    format_points,
    parse_text_answer,
)
from hsdt.scoring.assessment import Assessment, AssessmentKind, StoredAnswer
from hsdt.scoring.assessment import Locked as AssessmentLocked
from hsdt.scoring.rubric import DEFAULT_DOCUMENT_LABELS
from hsdt.scoring.summary import issued_label, summarise, used_label
from hsdt.scoring.values import TEXT_MAX_LENGTH
from hsdt.services.evidence import counts
from hsdt.storage.models import Role, UnitKind
from hsdt.texts import next_steps
from hsdt.texts import rubric as rt
from hsdt.texts import typed as typed_texts

KIND = AssessmentKind.SELF

__all__ = ["FLOW", "SelfAssessment", "evidence_purpose", "feature"]


def evidence_purpose(school_id: int, criterion_id: str) -> str:
    """The payload of a file sent as evidence for this school's criterion (e.g. through an upload link)."""
    return act.EvidenceFor(school_id, criterion_id).pack()


class SelfAssessment(Questionnaire[SelfAssessmentState]):
    prefix = act.PREFIX
    actions = act.ACTIONS
    # "All answered" only when it is true; with a required criterion left, the review names it.
    wording = Wording(messages.SA_FIRST_QUESTION, messages.SA_SUBMIT_BLOCKED, messages.SA_ALL_ANSWERED,
                      messages.SA_LIST_TITLE, messages.SA_REVIEW_MISSING, messages.BTN_SUBMIT,
                      all_done_only_when_complete=True)

    def state(self, ctx: Ctx) -> SelfAssessmentState | None:
        return ctx.conv if isinstance(ctx.conv, SelfAssessmentState) else None

    def assessment(self, ctx: Ctx, st: SelfAssessmentState | None = None) -> Assessment:
        return ctx.assessment(_school(ctx), KIND)

    def scope(self, st: SelfAssessmentState) -> str:
        return "self"

    def enter(self, ctx: Ctx, st: SelfAssessmentState | None, criterion: str, *,
              to_review: bool = False) -> SelfAssessmentState:
        """Show question `criterion`; a multi-choice starts from the stored selection."""
        answer = self.assessment(ctx).answers.get(criterion)
        selection = list(answer.value.options) if answer is not None and isinstance(answer.value, MultiChoice) \
            else []
        new = SelfAssessmentState(criterion=criterion, selection=selection, to_review=to_review, **self.carry(st))
        ctx.goto(new)
        return new

    # --- opening -----------------------------------------------------------------------------------

    def precondition(self, ctx: Ctx) -> list[Reply] | None:
        if ctx.campaign is None or ctx.rubric is None:
            return [Reply(messages.NO_ACTIVE_CAMPAIGN)]
        if ctx.unit.kind != UnitKind.SCHOOL:
            return [Reply(messages.NOT_A_SCHOOL_USER)]
        return None

    def closed(self, ctx: Ctx) -> list[Reply] | None:
        done = _submitted_reply(ctx)
        if done is not None:
            ctx.goto(IdleState())
        return done

    def resumed(self, ctx: Ctx) -> SelfAssessmentState | None:
        left = ctx.conv.resume if isinstance(ctx.conv, IdleState) else None
        return self.enter(ctx, None, left.criterion) if isinstance(left, SelfAssessmentState) else None

    def resume_note(self, ctx: Ctx, st: SelfAssessmentState) -> Reply:
        return Reply(messages.SA_RESUME.format(school=ctx.unit.name))

    def start(self, ctx: Ctx) -> list[Reply]:
        ids = [c.id for c in self.assessment(ctx).criteria]
        answers = self.assessment(ctx).answers
        return [self.show(ctx, self.enter(ctx, None, next((c for c in ids if c not in answers), ids[0])))]

    # --- files -------------------------------------------------------------------------------------

    def on_document(self, ctx: Ctx) -> list[Reply]:
        assert ctx.checked is not None
        addressed = act.EvidenceFor.unpack(ctx.event.payload) if ctx.event.payload else None
        if ctx.event.payload:
            if (problem := self.precondition(ctx)) is not None:
                return problem
            ok = addressed is not None and addressed.school == ctx.unit.id
            target = _evidence_criterion(ctx, addressed.criterion) if ok and addressed is not None else None
        else:
            st = self.state(ctx)
            on_question = st is not None and st.mode is Mode.QUESTION and ctx.rubric is not None
            target = _evidence_criterion(ctx, st.criterion) if on_question and st is not None else None
            if target is not None and (problem := self.precondition(ctx)) is not None:
                return problem
        if target is None:
            return self._check_only(ctx)
        return self._store(ctx, target, by_link=bool(ctx.event.payload))

    def _check_only(self, ctx: Ctx) -> list[Reply]:
        """A file at a question that takes none: its verdict, and the question again below it."""
        assert ctx.checked is not None
        note = f"{verdict_reply(ctx.checked).text}\n{messages.CHECK_ONLY_NOTE}"
        st = self.state(ctx)
        if st is None or st.mode is not Mode.QUESTION or st.criterion not in self.ids(ctx, st):
            return [Reply(note)]
        question = self.show(ctx, st)
        return [dataclasses.replace(question, text=f"{note}\n\n{question.text}")]

    def _store(self, ctx: Ctx, criterion: Criterion, *, by_link: bool = False) -> list[Reply]:
        assert ctx.checked is not None
        st = self.state(ctx)
        here = st is not None and st.mode is Mode.QUESTION and st.criterion == criterion.id
        assessment = self.assessment(ctx)
        if storable(ctx) and assessment.locked:
            return [verdict_reply(ctx.checked), Reply(messages.SA_LOCKED)]
        note = verdict_reply(ctx.checked).text
        if storable(ctx):
            value = store_evidence(ctx, campaign_id=_campaign(ctx), school_id=_school(ctx), kind=KIND,
                                   criterion_id=criterion.id)
            assessment.answer(criterion.id, value, by=_user(ctx), at=ctx.now)
            summary = _files_so_far(criterion, value)
            note += "\n" + messages.SA_EVIDENCE_STORED.format(criterion=criterion.id, summary=summary)
        if st is None or not here or by_link:
            # Through the upload page (whose page shows the text) or while elsewhere: what became of
            # the file, and the screen the chat is on.
            on_screen = [self.show(ctx, st)] if st is not None and st.mode is Mode.QUESTION else []
            return [Reply(note), *on_screen]
        return self._status(ctx, st, criterion, verdict_reply(ctx.checked).text)

    def _status(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion, latest: str) -> list[Reply]:
        """The question's files in one message below it, edited in place as more files arrive."""
        stored = ctx.uow.evidence.for_criterion(_campaign(ctx), _school(ctx), criterion.id, KIND)
        lines = [messages.SA_FILES_TITLE.format(criterion=criterion.id, title=criterion.title)]
        lines += [messages.SA_FILE_LINE.format(mark="✅" if e.status == "valid" else "⚠️", name=short(e.file_name, 60))
                  for e in stored]
        if stored:
            lines.append(_files_so_far(criterion, counts(stored)))
        lines += ["", messages.SA_FILES_LAST, latest, "", messages.SA_FILES_NEXT]
        question = self.show(ctx, st)  # its buttons (remove, done, navigation), screen key and upload
        status = dataclasses.replace(question, text="\n".join(lines))
        if st.status_below:
            return [dataclasses.replace(status, replaces=self.screen_key(st))]
        st.status_below = True
        below = Reply(messages.SA_FILES_BELOW.format(criterion=criterion.id, title=short(criterion.title, 60)))
        return [dataclasses.replace(below, replaces=self.screen_key(st)), status]

    def _remove(self, ctx: Ctx, st: SelfAssessmentState, action: act.RemoveEvidence) -> list[Reply]:
        """Take a file back before submitting; the criterion's points follow the files that remain."""
        assessment = self.assessment(ctx)
        if assessment.locked:
            return self.locked(ctx, st)
        removed = ctx.uow.evidence.remove(action.evidence, _campaign(ctx), _school(ctx), action.criterion, KIND)
        if removed is None:
            return [Reply(messages.SA_EVIDENCE_GONE.format(criterion=action.criterion)), *self.current_screen(ctx)]
        value = counts(ctx.uow.evidence.for_criterion(_campaign(ctx), _school(ctx), action.criterion, KIND))
        assessment.answer(action.criterion, value, by=_user(ctx), at=ctx.now)
        criterion = self.assessment(ctx).criterion(action.criterion)
        note = messages.SA_EVIDENCE_REMOVED.format(name=short(removed.file_name, 60), criterion=action.criterion,
                                                   summary=_files_so_far(criterion, value))
        screen = self.current_screen(ctx)
        if len(screen) == 1 and st.mode is Mode.QUESTION:  # pressed on that screen: it shows the change
            return [replace(dataclasses.replace(screen[0], text=f"{note}\n\n{screen[0].text}"))]
        return [Reply(note), *screen]

    # --- answers -----------------------------------------------------------------------------------

    def read(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion, text: str) -> AnswerValue | Invalid:
        if criterion.type is AnswerType.EVIDENCE:
            return Invalid("expected_document")
        try:
            # A typed number means the option shown under that number (II.2 lists only what I.1 set up).
            shown = _offered(self.assessment(ctx), criterion) if criterion.type is AnswerType.MULTI_CHOICE else None
            return parse_text_answer(criterion, text, shown)
        except InvalidAnswer as error:
            return Invalid.of(error)

    def save(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion, value: AnswerValue) -> Outcome:
        try:
            return Saved(self.assessment(ctx).answer(criterion.id, value, by=_user(ctx), at=ctx.now))
        except AssessmentLocked as locked:
            return Locked(locked.submitted_at)
        except InvalidAnswer as error:
            return Invalid.of(error)

    def confirmation(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion, saved: Saved) -> Reply:
        assessment = self.assessment(ctx)
        line = _answered_line(criterion, saved.answer.value, assessment.points(criterion.id))
        broken = [v.message for v in assessment.score().rule_violations if criterion.id in (v.criterion_id, v.of_id)]
        return Reply("\n".join([line.text, *broken])) if broken else line

    def refusal(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion, invalid: Invalid,
                text: str) -> list[Reply]:
        if invalid.code == "expected_document":
            if ctx.typed:  # no buttons: the question again carries the upload link to use
                return [Reply(typed_texts.SA_EVIDENCE_NEEDS_FILE), self.show(ctx, st)]
            return [Reply(messages.SA_NEEDS_FILE_SHORT)]
        return [_invalid(criterion, invalid, text)]

    def on_action(self, ctx: Ctx, st: SelfAssessmentState | None, action: Action) -> list[Reply]:
        if isinstance(action, act.Open):
            return self.open(ctx)
        if st is None:
            # A button from an old screen after /huy or a restart of the flow: resume where they are.
            return self.open(ctx)
        criterion = getattr(action, "criterion", "")
        if isinstance(action, act.RemoveEvidence):
            return self._remove(ctx, st, action)
        if (stale := self.stale(ctx, st, criterion)) is not None:
            return stale
        current = self.criterion(ctx, st)
        match action:
            case act.Choose(option=option):
                return self.respond(ctx, st, current, self.save(ctx, st, current, SingleChoice(option=option)))
            case act.Toggle(option=option):
                if option not in {o.id for o in _offered(self.assessment(ctx), current)}:
                    return [Reply(messages.STALE_BUTTON), self.show(ctx, st)]
                st.selection = sorted(set(st.selection) ^ {option})
                return [replace(self.show(ctx, st))]
            case act.MultiDone():
                chosen = MultiChoice(options=tuple(st.selection))
                return self.respond(ctx, st, current, self.save(ctx, st, current, chosen))
            case act.Keep():
                kept = self.assessment(ctx).answers.get(current.id)
                line = Reply(messages.SA_KEPT.format(
                    criterion=current.id, title=short(current.title, 60),
                    answer=summarise(current, kept.value) if kept is not None else ""))
                return [self.answered(st, line), *self.advance(ctx, st)]
            case act.EvidenceDone():
                # Done with files. With none sent, that is the school's answer: nothing to show, 0 points.
                assessment = self.assessment(ctx)
                stored = assessment.answers.get(current.id)
                if stored is None:
                    return self.respond(ctx, st, current, self.save(ctx, st, current, counts(())))
                return [self.answered(st, _answered_line(current, stored.value, assessment.points(current.id))),
                        *self.advance(ctx, st)]
        return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]

    def submitted(self, ctx: Ctx, st: SelfAssessmentState, assessment: Assessment) -> list[Reply]:
        ctx.goto(IdleState())
        text = messages.SA_SUBMITTED.format(
            school=ctx.unit.name, total=format_points(assessment.total or 0),
            max=format_points(assessment.rubric.max_points), band=assessment.band)
        if (note := assessment.score().scaling_note()) is not None:
            text += "\n" + note
        return [replace(Reply(f"{text}\n{_next_steps(ctx)}" if ctx.campaign is not None else text))]

    def locked(self, ctx: Ctx, st: SelfAssessmentState) -> list[Reply]:
        ctx.goto(IdleState())
        return [Reply(messages.SA_LOCKED), *(_submitted_reply(ctx) or [])]

    # --- screens -----------------------------------------------------------------------------------

    def question_title(self, ctx: Ctx, st: SelfAssessmentState, index: int, count: int) -> str:
        return messages.SA_HEADER.format(index=index, count=count)

    def question_body(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion) -> QuestionBody:
        assessment = self.assessment(ctx)
        answer = assessment.answers.get(criterion.id)
        details = [messages.SA_EVIDENCE_HINT.format(hint=criterion.evidence)] if criterion.evidence else []
        details.append(messages.SA_MAX_POINTS.format(points=format_points(criterion.max_points))
                       if criterion.max_points > 0 else messages.SA_NO_POINTS)
        if answer is not None:
            details.append(_current_answer(ctx, criterion, answer))
        body = QuestionBody(details, criterion.type.value, _how(criterion, ctx.typed),
                            expects_number=criterion.type in NUMERIC_TYPES)
        cid = criterion.id
        if criterion.type is AnswerType.SINGLE_CHOICE:
            body.buttons += [(Button(o.label, act.Choose(cid, o.id).pack()),) for o in criterion.options]
        elif criterion.type is AnswerType.MULTI_CHOICE:
            selected = set(st.selection)
            offered = _offered(assessment, criterion)
            limited_by = _limited_by(assessment, criterion)
            if limited_by is not None:
                none_allowed = typed_texts.OPTIONS_NONE_ALLOWED if ctx.typed else rt.OPTIONS_NONE_ALLOWED
                body.below.append((rt.OPTIONS_LIMITED if offered else none_allowed).format(other=limited_by))
            body.below.append(messages.SA_SELECTED.format(
                selected=", ".join(o.label for o in criterion.options if o.id in selected)
                or messages.SA_NONE_SELECTED))
            body.buttons += [(Button(("☑️ " if o.id in selected else "⬜ ") + o.label, act.Toggle(cid, o.id).pack()),)
                             for o in offered]
            body.buttons.append((Button(messages.BTN_DONE, act.MultiDone(cid).pack()),))
        elif criterion.type is AnswerType.EVIDENCE:
            stored = ctx.uow.evidence.for_criterion(_campaign(ctx), _school(ctx), cid, KIND)
            if stored:
                body.below.append(_files_so_far(criterion, counts(stored)))
                body.below += [messages.SA_EVIDENCE_FILE.format(name=short(e.file_name, 60)) for e in stored]
                body.buttons += [(Button(messages.BTN_REMOVE_EVIDENCE.format(name=short(e.file_name, 30)),
                                         act.RemoveEvidence(cid, e.id or 0).pack()),) for e in stored]
            body.buttons.append((Button(messages.BTN_DONE, act.EvidenceDone(cid).pack()),))
            body.upload = evidence_purpose(_school(ctx), cid)
        if answer is not None and criterion.type not in (AnswerType.MULTI_CHOICE, AnswerType.EVIDENCE):
            body.buttons.append((Button(messages.BTN_KEEP, act.Keep(cid).pack()),))
        return body

    def review_title(self, ctx: Ctx, st: SelfAssessmentState) -> str:
        return messages.SA_REVIEW_TITLE

    def review_line(self, ctx: Ctx, st: SelfAssessmentState, criterion: Criterion,
                    answer: StoredAnswer | None) -> str:
        assessment = self.assessment(ctx)
        mark = "✅" if answer is not None else "⬜"
        shown = summarise(criterion, answer.value) if answer is not None else messages.SA_NOT_ANSWERED
        if criterion.id in assessment.score().not_applicable:
            return rt.REVIEW_LINE_NOT_APPLICABLE.format(mark=mark, criterion=criterion.id, title=criterion.title,
                                                        answer=shown)
        if criterion.max_points > 0:
            return messages.SA_REVIEW_LINE.format(
                mark=mark, criterion=criterion.id, title=criterion.title, answer=shown,
                points=format_points(assessment.points(criterion.id)), max=format_points(criterion.max_points))
        return messages.SA_REVIEW_LINE_NO_POINTS.format(mark=mark, criterion=criterion.id, title=criterion.title,
                                                        answer=shown)

    def review_footer(self, ctx: Ctx, st: SelfAssessmentState) -> list[str]:
        assessment = self.assessment(ctx)
        score = assessment.score()
        lines = [_total_line(messages.SA_REVIEW_TOTAL, assessment)]
        if (note := score.scaling_note()) is not None:
            lines.append(note)
        return lines + [v.message for v in score.rule_violations]

    def confirm_text(self, ctx: Ctx, st: SelfAssessmentState) -> str:
        return _total_line(messages.SA_CONFIRM_SUBMIT, self.assessment(ctx))


def _current_answer(ctx: Ctx, criterion: Criterion, answer: StoredAnswer) -> str:
    """"Câu trả lời hiện tại: … (… điểm) — who, when"."""
    who = ctx.uow.users.get(answer.answered_by)
    shown = {"answer": summarise(criterion, answer.value), "who": who.full_name if who is not None else "?",
             "when": ctx.local(answer.answered_at)}
    if criterion.max_points > 0:
        return messages.SA_CURRENT_ANSWER.format(points=format_points(answer.points), **shown)
    return messages.SA_CURRENT_ANSWER_NO_POINTS.format(**shown)


def _files_so_far(criterion: Criterion, value: EvidenceCount) -> str:
    """How many files, how many valid, and (where only those count) how many signed in the record period."""
    if criterion.evidence_period is not EvidencePeriod.NOT_CHECKED and value.in_period is not None:
        return messages.SA_EVIDENCE_SO_FAR_PERIOD.format(total=value.total, valid=value.valid,
                                                         in_period=value.in_period)
    return messages.SA_EVIDENCE_SO_FAR.format(total=value.total, valid=value.valid)


def _offered(assessment: Assessment, criterion: Criterion) -> tuple[Option, ...]:
    """The options to offer: where a rubric rule restricts the criterion, only those it allows."""
    return allowed_options(assessment.rubric, criterion.id, {cid: a.value for cid, a in assessment.answers.items()})


def _limited_by(assessment: Assessment, criterion: Criterion) -> str | None:
    """The criterion whose answer limits this one's options (II.2 by I.1), if any."""
    return next((rule.of_id for rule in assessment.rubric.rules if rule.criterion_id == criterion.id), None)


def _answered_line(criterion: Criterion, value: StoredValue, points: float) -> Reply:
    title = short(criterion.title, 60)
    if criterion.max_points > 0:
        return Reply(messages.SA_ANSWERED.format(criterion=criterion.id, title=title,
                                                 answer=summarise(criterion, value), points=format_points(points)))
    return Reply(messages.SA_ANSWERED_NO_POINTS.format(criterion=criterion.id, title=title,
                                                       answer=summarise(criterion, value)))


def _how(criterion: Criterion, typed: bool = False) -> str:
    match criterion.type:
        case AnswerType.SINGLE_CHOICE:
            return messages.SA_HOW_SINGLE
        case AnswerType.MULTI_CHOICE:
            return typed_texts.SA_HOW_MULTI if typed else messages.SA_HOW_MULTI
        case AnswerType.COUNT_PAIR:
            return messages.SA_HOW_COUNT_PAIR.format(issued=issued_label(criterion), used=used_label(criterion))
        case AnswerType.PERCENTAGE:
            return messages.SA_HOW_PERCENT
        case AnswerType.DOCUMENT_SHARE:
            labels = criterion.document_labels or DEFAULT_DOCUMENT_LABELS
            return messages.SA_HOW_DOCUMENTS.format(stored=labels.stored.lower(), paper_only=labels.paper_only.lower(),
                                                    signed=labels.signed.lower())
        case AnswerType.EVIDENCE:
            return typed_texts.SA_HOW_EVIDENCE if typed else messages.SA_HOW_EVIDENCE
        case _:
            return typed_texts.SA_HOW_TEXT if typed else messages.SA_HOW_TEXT


def _next_steps(ctx: Ctx) -> str:
    """Who re-scores (the inspectors of the unit over the school) and by when (the campaign's date)."""
    assert ctx.campaign is not None
    over = ctx.uow.units.get(ctx.unit.parent_id) if ctx.unit.parent_id is not None else None
    return next_steps.SA_NEXT_STEPS.format(office=over.name if over is not None else ctx.unit.name,
                                           due=ctx.campaign.rescore_due.astimezone(ctx.tz).strftime("%d/%m/%Y"))


def _total_line(template: str, assessment: Assessment) -> str:
    return template.format(total=format_points(assessment.current_total()),
                           max=format_points(assessment.rubric.max_points), band=assessment.current_band())


def _submitted_reply(ctx: Ctx) -> list[Reply] | None:
    assessment = ctx.assessment(_school(ctx), KIND)
    if not assessment.locked:
        return None
    return [Reply(messages.SA_ALREADY_SUBMITTED.format(
        school=ctx.unit.name, when=ctx.local(assessment.submitted_at) if assessment.submitted_at else "",
        total=format_points(assessment.total or 0), max=format_points(assessment.rubric.max_points),
        band=assessment.band or ""))]


def _evidence_criterion(ctx: Ctx, criterion_id: str) -> Criterion | None:
    assert ctx.rubric is not None
    found = next((c for c in ctx.rubric.criteria if c.id == criterion_id), None)
    return found if found is not None and found.type is AnswerType.EVIDENCE else None


def _invalid(criterion: Criterion, error: Invalid, text: str) -> Reply:
    """One short line that says what to type; the question stays on screen above it."""
    example = {AnswerType.PERCENTAGE: messages.EXAMPLE_PERCENT,
               AnswerType.DOCUMENT_SHARE: messages.EXAMPLE_DOCUMENTS}.get(criterion.type, messages.EXAMPLE_COUNT_PAIR)
    params: dict[str, Any] = {"text": short(text.strip(), 40), "limit": TEXT_MAX_LENGTH, "example": example,
                              "issued_label": issued_label(criterion), "used_label": used_label(criterion),
                              "used_first": used_label(criterion)[:1].upper() + used_label(criterion)[1:],
                              **error.params}
    if error.code == "used_gt_issued":
        issued = int(error.params.get("issued", 0))
        params["fit"] = f"{issued}/{max(issued - 1, 0)}"
    template = messages.INVALID_ANSWER_SHORT.get(error.code) or messages.INVALID_ANSWER.get(
        error.code, messages.INVALID_ANSWER_FALLBACK)
    return Reply(template.format(**params))


def _school(ctx: Ctx) -> int:
    assert ctx.unit.id is not None
    return ctx.unit.id


def _campaign(ctx: Ctx) -> int:
    assert ctx.campaign is not None and ctx.campaign.id is not None
    return ctx.campaign.id


def _user(ctx: Ctx) -> int:
    assert ctx.user.id is not None
    return ctx.user.id


FLOW = SelfAssessment()

feature = Feature(
    name="self_assessment",
    roles=(Role.PRINCIPAL,),
    commands={"/tudanhgia": FLOW.open},
    menu=(MenuEntry(messages.BTN_SELF_ASSESS, act.Open().pack()),),
    button_prefix=act.PREFIX,
    on_button=FLOW.on_button,
    flow="sa",
    on_text=FLOW.on_text,
    on_document=FLOW.on_document,
    current_screen=FLOW.current_screen,
    command_help=(("tudanhgia", messages.CMD_SELF_ASSESS),),
    campaign_members_only=True,
)
