"""Global commands (menu, cancel, help, back, status, opt-out, opt-in, surveys opt-in/out, language), words from YAML."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.flows.events import OptedIn, OptedOut, StatusRequested, SurveysOptedIn, SurveysOptedOut
from bot.flows.matching import normalize
from bot.flows.messages import OutboundMessage
from bot.flows.privacy import access, ask_for_request, awaited_question
from bot.flows.state import State
from bot.flows.turn import Context, Turn

__all__ = ["COMMANDS", "KNOWN_COMMANDS", "PRIVACY_COMMANDS", "find_command"]

LANGUAGE_PREFIX = "language_"  # commands language_es, language_en, ... switch the language
ARGUMENT_COMMANDS = {"status"}
FOLIO = re.compile(r"\b\d{4}-[0-9A-Za-z]{6}\b")  # "estado 2611-7K3M9Q": the rest of the text is the argument


def find_command(flows, text: str) -> tuple[str | None, str]:
    """Return the command the text names and its argument, or (None, "")."""
    norm = normalize(text)
    if not norm:
        return None, ""
    by_word, with_argument = flows.remember("commands", lambda: _command_words(flows))
    if norm in by_word:
        return _named(by_word[norm])
    folio = FOLIO.search(text)
    if folio is None:
        return None, ""
    for word, name in with_argument:
        # "estado 2611-7K3M9Q", "mi folio es 2611-7K3M9Q"; "estado del parque: sucio" stays an answer
        if f" {word} " in f" {norm} ":
            return name, folio.group(0)
    if normalize(folio.group(0)) == norm:
        return "status", folio.group(0)  # a folio alone asks for its status
    return None, ""


def _command_words(flows) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Every command word normalised, to its command (the first command listing it wins); argument commands' words."""
    by_word: dict[str, str] = {}
    with_argument: list[tuple[str, str]] = []
    for name, by_lang in flows.commands.items():
        for word in (normalize(w) for words in by_lang.values() for w in words):
            if word:
                by_word.setdefault(word, name)
                if name in ARGUMENT_COMMANDS:
                    with_argument.append((word, name))
    return by_word, with_argument


def _named(name: str) -> tuple[str, str]:
    if name.startswith(LANGUAGE_PREFIX):
        return "language", name.removeprefix(LANGUAGE_PREFIX)
    return name, ""


def _current_prompt(ctx: Context, state: State, engine) -> OutboundMessage:
    """What the resident was asked last: the notice or an ARCO question, the current step's question, or the menu."""
    if state.awaiting:
        return awaited_question(ctx, state)
    flow = ctx.flows.flows.get(state.flow) if state.flow else None
    step = flow.find_step(state.step) if flow else None
    if flow is None or step is None:
        return engine.menu(ctx)
    return engine.prompt(ctx, flow, step, state.answers)


def go_to_menu(ctx, state, argument, engine) -> Turn:
    return Turn(State(lang=ctx.lang), (engine.menu(ctx),))


def cancel(ctx, state, argument, engine) -> Turn:
    said = (ctx.say("cancelled"),) if state.flow else ()
    return Turn(State(lang=ctx.lang), said + (engine.menu(ctx),))


def help_(ctx, state, argument, engine) -> Turn:
    return Turn(replace(state, pending=()), (ctx.say("help"), _current_prompt(ctx, state, engine)))


def back(ctx, state, argument, engine) -> Turn:
    """Go back one question, forgetting its answer."""
    if not state.flow or not state.history:
        return Turn(replace(state, pending=()), (_current_prompt(ctx, state, engine),))
    previous = state.history[-1]
    answers = {k: v for k, v in state.answers.items() if k != previous}
    flow = ctx.flows.flows[state.flow]
    moved = replace(state, history=state.history[:-1], answers=answers, pending=())
    return engine.goto(ctx, flow, flow.step(previous), moved)


def status(ctx, state, argument, engine) -> Turn:
    if not argument:
        return Turn(state, (ctx.say("status_usage"),))
    return Turn(state, (), (StatusRequested(argument.strip().upper(), ctx.lang),))


def opt_out(ctx, state, argument, engine) -> Turn:
    return Turn(State(lang=ctx.lang, opted_out=True), (ctx.say("opted_out"),), (OptedOut(),))


def opt_in(ctx, state, argument, engine) -> Turn:
    return Turn(State(lang=ctx.lang), (ctx.say("opted_in"), engine.menu(ctx)), (OptedIn(),))


def surveys_opt_in(ctx, state, argument, engine) -> Turn:
    """Ask for survey invitations; the conversation goes on where it was."""
    kept = replace(state, pending=())
    return Turn(kept, (ctx.say("surveys_opted_in"), _current_prompt(ctx, kept, engine)), (SurveysOptedIn(),))


def surveys_opt_out(ctx, state, argument, engine) -> Turn:
    """No more survey invitations (an invitation awaiting an answer is dropped); nothing else changes."""
    kept = replace(state, pending=(), invited=None, campaign=None)
    return Turn(kept, (ctx.say("surveys_opted_out"), _current_prompt(ctx, kept, engine)), (SurveysOptedOut(),))


def language(ctx, state, argument, engine) -> Turn:
    switched = replace(ctx, lang=argument)
    new_state = replace(state, lang=argument, pending=())
    return Turn(new_state, (switched.say("language_changed"), _current_prompt(switched, new_state, engine)))


COMMANDS = {
    "menu": go_to_menu,
    "cancel": cancel,
    "help": help_,
    "back": back,
    "status": status,
    "opt_out": opt_out,
    "opt_in": opt_in,
    "surveys_opt_in": surveys_opt_in,
    "surveys_opt_out": surveys_opt_out,
    "language": language,
    "privacy_access": access,
    "privacy_cancel": ask_for_request("cancellation"),
    "privacy_rectify": ask_for_request("rectification"),
    "privacy_oppose": ask_for_request("opposition"),
}
PRIVACY_COMMANDS = tuple(c for c in COMMANDS if c.startswith("privacy_"))  # they need a `privacy:` section
KNOWN_COMMANDS = tuple(c for c in COMMANDS if c != "language")
