"""The core's structured hints, phrased for a terminal user: the command to run next."""

from __future__ import annotations

import pytest

from wavescribe.cli.hints import error_line, phrase_hint
from wavescribe.core.errors import Hint, HintKind, ModelNotFound, UnsupportedAudio


@pytest.mark.parametrize("kind", list(HintKind))
def test_every_hint_has_a_terminal_phrase(kind: HintKind) -> None:
    text = phrase_hint(Hint(kind, "tiny"))
    assert text.endswith(".") and "Models…" not in text  # no menus in a terminal


def test_model_hints_name_the_command_to_run() -> None:
    assert "`wavescribe models download tiny`" in phrase_hint(Hint(HintKind.DOWNLOAD_MODEL, "tiny"))
    get = phrase_hint(Hint(HintKind.GET_A_MODEL, "base"))
    assert "`wavescribe models download base`" in get and "`wavescribe models import PATH`" in get
    unverified = phrase_hint(Hint(HintKind.ALLOW_UNVERIFIED, "big", "tiny"))
    assert "`wavescribe models download big --allow-unverified`" in unverified
    assert "`wavescribe models download tiny`" in unverified
    assert "`wavescribe models remove x`" in phrase_hint(Hint(HintKind.REMOVE_MODEL_FIRST, "x"))
    assert "`wavescribe models list`" in phrase_hint(Hint(HintKind.CHOOSE_OTHER_MODEL))


def test_the_error_line_is_the_message_then_the_hint() -> None:
    exc = ModelNotFound(
        "Model 'tiny' is not installed.", hint=Hint(HintKind.DOWNLOAD_MODEL, "tiny")
    )
    assert error_line(exc) == (
        "Model 'tiny' is not installed. Get it with `wavescribe models download tiny`."
    )
    assert error_line(UnsupportedAudio("x.txt is not audio")) == "x.txt is not audio"
