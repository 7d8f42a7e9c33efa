"""One engine for every question-by-question flow (self-assessment, re-scoring, cross-inspection).

The engine owns the walk over the criteria: next, back, skip, jump, the list, the review, editing
from the review, submit and its confirmation, stale buttons, and which question a typed answer
means. A flow supplies only what differs: its state, its assessment, how a question and the review
look, and how an answer is read and saved.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from hsdt import texts as messages
from hsdt.actions import Action, ActionSet
from hsdt.actions.questionnaire import Jump, Nav, QuestionScreen, Step
from hsdt.events import Button, Reply
from hsdt.handlers.context import Ctx
from hsdt.handlers.conversation import Mode, QuestionnaireState
from hsdt.scoring import Criterion
from hsdt.scoring.assessment import Assessment, AssessmentError, Locked, MissingRequired
from hsdt.scoring.summary import short

S = TypeVar("S", bound=QuestionnaireState)


def replace(reply: Reply) -> Reply:
    """The same reply, shown in place of the message whose button was pressed."""
    return dataclasses.replace(reply, replace_previous=True)


@dataclass(frozen=True)
class Wording:
    """The few texts in which flows differ."""

    first_question: str
    submit_blocked: str  # {count} {ids}
    all_done: str
    list_title: str
    all_done_only_when_complete: bool = False


class Questionnaire(ABC, Generic[S]):
    prefix: str
    wording: Wording
    actions: ActionSet

    # --- what a flow supplies ----------------------------------------------------------------------

    @abstractmethod
    def state(self, ctx: Ctx) -> S | None:
        """The user's state if they are in this flow."""

    @abstractmethod
    def assessment(self, ctx: Ctx, st: S) -> Assessment:
        """The assessment being answered (locked for this event)."""

    @abstractmethod
    def scope(self, st: S) -> str:
        """Which assessment the state is about, as a short key (part of the question's screen key)."""

    @abstractmethod
    def enter(self, ctx: Ctx, st: S, criterion: str, *, to_review: bool = False) -> S:
        """The state of showing `criterion` as a question (also sets it as the user's state)."""

    @abstractmethod
    def question(self, ctx: Ctx, st: S) -> Reply:
        """The question screen of the state's criterion; its buttons end with `nav_rows()`."""

    @abstractmethod
    def review(self, ctx: Ctx, st: S) -> Reply: ...

    @abstractmethod
    def confirm(self, ctx: Ctx, st: S) -> Reply: ...

    @abstractmethod
    def answer_text(self, ctx: Ctx, st: S, criterion: Criterion, text: str) -> list[Reply]:
        """A typed answer to the question on screen; saves it (see `saved`) or says what is wrong."""

    @abstractmethod
    def on_action(self, ctx: Ctx, st: S | None, action: Action) -> list[Reply]:
        """A button of the flow's own (`actions`)."""

    @abstractmethod
    def open(self, ctx: Ctx) -> list[Reply]:
        """The flow's command: resume where the user was, or start."""

    @abstractmethod
    def submitted(self, ctx: Ctx, st: S, assessment: Assessment) -> list[Reply]:
        """What to say once submitted (the state is already idle)."""

    @abstractmethod
    def locked(self, ctx: Ctx, st: S) -> list[Reply]:
        """What to say when the assessment was submitted meanwhile (also sets the state)."""

    def guard(self, ctx: Ctx, st: S) -> list[Reply] | None:
        """Why the user may not go on with this state right now, if so (the flow resets the state)."""
        return None

    def other_screen(self, ctx: Ctx, st: S) -> Reply | None:
        """The screen of a mode only this flow has."""
        return None

    def other_text(self, ctx: Ctx, st: S, text: str) -> list[Reply] | None:
        """Typed text in a mode only this flow has."""
        return None

    def outside_flow(self, ctx: Ctx) -> list[Reply]:
        """A navigation button pressed while the user is not in this flow (an old screen)."""
        return self.open(ctx)

    # --- entry points (Feature handlers) ---------------------------------------------------------------

    def on_button(self, ctx: Ctx) -> list[Reply]:
        payload = ctx.event.payload
        own = self.actions.unpack(payload)
        if own is not None:
            return self.on_action(ctx, self.state(ctx), own)
        step = Nav.unpack(self.prefix, payload)
        jump = Jump.unpack(self.prefix, payload)
        st = self.state(ctx)
        if step is None and jump is None:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        if st is None or st.criterion not in self.ids(ctx, st):
            return self.outside_flow(ctx)
        if (blocked := self.guard(ctx, st)) is not None:
            return blocked
        if jump is not None:
            return self.jump(ctx, st, jump.criterion)
        assert step is not None
        return self._STEPS[step.step](self, ctx, st)

    def on_text(self, ctx: Ctx) -> list[Reply]:
        st = self.state(ctx)
        if st is None or st.criterion not in self.ids(ctx, st):
            return [Reply(messages.UNEXPECTED_INPUT), *self.current_screen(ctx)]
        if (blocked := self.guard(ctx, st)) is not None:
            return blocked
        text = ctx.event.text
        if (handled := self.other_text(ctx, st, text)) is not None:
            return handled
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.UNEXPECTED_INPUT), *self.current_screen(ctx)]
        seen = self._seen_question(ctx, st)
        if seen is not None:
            return self._answer_seen(ctx, st, seen, text)
        return self.answer_text(ctx, st, self.criterion(ctx, st), text)

    def current_screen(self, ctx: Ctx) -> list[Reply]:
        st = self.state(ctx)
        if st is None or st.criterion not in self.ids(ctx, st):
            return self.open(ctx)
        match st.mode:
            case Mode.REVIEW:
                return [self.review(ctx, st)]
            case Mode.CONFIRM:
                return [self.confirm(ctx, st)]
            case Mode.LIST:
                return [self.listing(ctx, st)]
            case Mode.QUESTION:
                return [self.show(ctx, st)]
        other = self.other_screen(ctx, st)
        return [other] if other is not None else [self.show(ctx, st)]

    # --- the walk ------------------------------------------------------------------------------------

    def ids(self, ctx: Ctx, st: S) -> list[str]:
        return [c.id for c in self.assessment(ctx, st).criteria]

    def criterion(self, ctx: Ctx, st: S) -> Criterion:
        return self.assessment(ctx, st).criterion(st.criterion)

    def show(self, ctx: Ctx, st: S) -> Reply:
        """The question screen, keyed so a typed answer can be matched to what the user saw."""
        return dataclasses.replace(self.question(ctx, st), screen=self.screen_key(st))

    def nav_rows(self, help_hidden: bool = False) -> list[tuple[Button, ...]]:
        """Back / skip, then the question list / review: the same four everywhere (and the
        instructions button when they are not on the screen)."""
        rows: list[tuple[Button, ...]] = [
            (Button(messages.BTN_BACK, self.nav(Step.BACK)), Button(messages.BTN_SKIP, self.nav(Step.SKIP))),
            (Button(messages.BTN_LIST, self.nav(Step.LIST)), Button(messages.BTN_REVIEW, self.nav(Step.REVIEW))),
        ]
        if help_hidden:
            rows.append((Button(messages.BTN_INSTRUCTIONS, self.nav(Step.HELP)),))
        return rows

    def how(self, st: S, kind: str, text: str) -> str | None:
        """The instructions for this kind of question: on the first question of that kind in this
        flow (and when asked for), otherwise None and they wait behind the instructions button."""
        first = st.helped.setdefault(kind, st.criterion)
        return text if first == st.criterion or st.help_open else None

    @staticmethod
    def carry(st: QuestionnaireState | None) -> dict[str, Any]:
        """What a question's state passes on to the next question's."""
        return {"helped": dict(st.helped)} if st is not None else {}

    def screen_key(self, st: S) -> str:
        return QuestionScreen(self.prefix, self.scope(st), st.criterion).pack()

    def answered(self, st: S, line: Reply) -> Reply:
        """A one-line note shown in place of the question `st` is on (its buttons gone)."""
        return dataclasses.replace(line, replace_previous=True, replaces=self.screen_key(st))

    def nav(self, step: Step) -> str:
        return Nav(self.prefix, step).pack()

    def listing(self, ctx: Ctx, st: S) -> Reply:
        assessment = self.assessment(ctx, st)
        buttons = [
            (Button(f"{'✅' if c.id in assessment.answers else '⬜'} {c.id}. {short(c.title, 40)}",
                    Jump(self.prefix, c.id).pack()),)
            for c in assessment.criteria
        ]
        buttons.append((Button(messages.BTN_REVIEW, self.nav(Step.REVIEW)),))
        return Reply(self.wording.list_title, buttons=tuple(buttons))

    def stale(self, ctx: Ctx, st: S | None, criterion: str) -> list[Reply] | None:
        """None when a button of question `criterion` is pressed while that question is on screen."""
        if st is not None and st.mode is Mode.QUESTION and st.criterion == criterion:
            return None
        return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]

    def first_open(self, ctx: Ctx, st: S) -> str:
        answers = self.assessment(ctx, st).answers
        return next((cid for cid in self.ids(ctx, st) if cid not in answers), st.criterion)

    def saved(self, ctx: Ctx, st: S, confirmation: Reply) -> list[Reply]:
        """After an answer was stored: the question becomes its one-line confirmation, and on."""
        return [self.answered(st, confirmation), *self.advance(ctx, st)]

    def advance(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.to_review:
            st.mode = Mode.REVIEW
            return [self.review(ctx, st)]
        ids = self.ids(ctx, st)
        index = ids.index(st.criterion)
        if index + 1 < len(ids):
            return [self.show(ctx, self.enter(ctx, st, ids[index + 1]))]
        st.mode, st.to_review = Mode.REVIEW, True
        complete = not self.assessment(ctx, st).missing()
        review = self.review(ctx, st)
        if self.wording.all_done_only_when_complete and not complete:
            return [review]
        return [dataclasses.replace(review, text=f"{self.wording.all_done}\n\n{review.text}")]

    def jump(self, ctx: Ctx, st: S, criterion: str) -> list[Reply]:
        if criterion not in self.ids(ctx, st):
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        return [replace(self.show(ctx, self.enter(ctx, st, criterion, to_review=st.to_review)))]

    def _back(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [replace(self.show(ctx, self.enter(ctx, st, st.criterion)))]
        ids = self.ids(ctx, st)
        index = ids.index(st.criterion)
        if index == 0:
            return [Reply(self.wording.first_question), self.show(ctx, st)]
        return [replace(self.show(ctx, self.enter(ctx, st, ids[index - 1])))]

    def _skip(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        criterion = self.criterion(ctx, st)
        try:
            self.assessment(ctx, st).skip(st.criterion)
        except Locked:
            return self.locked(ctx, st)
        skipped = Reply(messages.QUESTION_SKIPPED.format(criterion=criterion.id, title=short(criterion.title, 60)))
        return [self.answered(st, skipped), *self.advance(ctx, st)]

    def _list(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode = Mode.LIST
        return [replace(self.listing(ctx, st))]

    def _review(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode, st.to_review = Mode.REVIEW, True
        return [replace(self.review(ctx, st))]

    def _edit(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode, st.to_review = Mode.LIST, True
        return [replace(self.listing(ctx, st))]

    def _continue(self, ctx: Ctx, st: S) -> list[Reply]:
        return [replace(self.show(ctx, self.enter(ctx, st, self.first_open(ctx, st))))]

    def _submit(self, ctx: Ctx, st: S) -> list[Reply]:
        missing = self.assessment(ctx, st).missing()
        if missing:
            st.mode = Mode.REVIEW
            # The review with its buttons is still on screen: only what stands in the way.
            return [Reply(self.wording.submit_blocked.format(count=len(missing), ids=", ".join(missing)))]
        st.mode = Mode.CONFIRM
        return [replace(self.confirm(ctx, st))]

    def _confirm(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.CONFIRM:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        assessment = self.assessment(ctx, st)
        try:
            assessment.submit(by=_user_id(ctx), at=ctx.now)
        except MissingRequired:
            return self._submit(ctx, st)
        except Locked:
            return self.locked(ctx, st)
        return self.submitted(ctx, st, assessment)

    def _help(self, ctx: Ctx, st: S) -> list[Reply]:
        if st.mode is not Mode.QUESTION:
            return [Reply(messages.STALE_BUTTON), *self.current_screen(ctx)]
        st.help_open = True
        return [replace(self.show(ctx, st))]

    def _cancel_submit(self, ctx: Ctx, st: S) -> list[Reply]:
        st.mode = Mode.REVIEW
        return [replace(self.review(ctx, st))]

    _STEPS: ClassVar[dict[Step, Callable[[Any, Ctx, Any], list[Reply]]]] = {
        Step.BACK: _back,
        Step.SKIP: _skip,
        Step.LIST: _list,
        Step.REVIEW: _review,
        Step.EDIT: _edit,
        Step.CONTINUE: _continue,
        Step.SUBMIT: _submit,
        Step.CONFIRM: _confirm,
        Step.CANCEL_SUBMIT: _cancel_submit,
        Step.HELP: _help,
    }

    # --- which question a typed answer means -----------------------------------------------------------

    def _seen_question(self, ctx: Ctx, st: S) -> str | None:
        """The question the user last saw, when the channel says it differs from the state's.

        A reply can be on its way (or lost) while the user types: the answer is meant for the
        question on their screen, never for one they have not been shown.
        """
        shown = QuestionScreen.unpack(self.prefix, ctx.shown_screen)
        if shown is None or shown.scope != self.scope(st) or shown.criterion == st.criterion:
            return None
        return shown.criterion if shown.criterion in self.ids(ctx, st) else None

    def _answer_seen(self, ctx: Ctx, where: S, seen: str, text: str) -> list[Reply]:
        assessment = self.assessment(ctx, where)
        before = len(assessment.changes)
        at_seen = self.enter(ctx, where, seen, to_review=where.to_review)
        replies = self.answer_text(ctx, at_seen, assessment.criterion(seen), text)
        if len(assessment.changes) == before:
            return replies  # not saved: the user is asked that question again, and is now on it
        # Saved: back to where the user is, and show it again.
        self.enter(ctx, where, where.criterion, to_review=where.to_review)
        return [replies[0], *self.current_screen(ctx)]


def _user_id(ctx: Ctx) -> int:
    assert ctx.user.id is not None
    return ctx.user.id


__all__ = ["AssessmentError", "Questionnaire", "Wording", "replace", "short"]
