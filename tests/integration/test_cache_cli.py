"""`privfin cache clear [--model NAME]`: forgets remembered answers, so the next run asks again."""

from __future__ import annotations

import pytest

from app.categorize.pipeline import categorize_pending
from app.cli import main
from app.settings import Settings
from app.store import Store
from tests.integration.categorize_support import fake_settings, model_merchant, rows_for, seed
from tests.support.fake_parallax import FakeParallax

MERCHANTS = [model_merchant(n) for n in range(3)]


def _clear(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["cache", "clear", *args])
    return code, capsys.readouterr().err


def test_cache_clear_forgets_one_models_answers_or_all(
    capsys: pytest.CaptureFixture[str], settings: Settings, store: Store
) -> None:
    seed(store, rows_for(MERCHANTS))
    with FakeParallax() as fake:
        configured = fake_settings(settings, fake)
        first = categorize_pending(store, configured)
        model = first.model
        assert model is not None and store.cache_models() == {model: 3}
        store.cache_put([("other-key", "ACME", "out", "t", "llama-3", "p1", None, 0.0)])

        code, err = _clear(capsys, "--model", "no-such-model")
        assert code == 0 and "no remembered answers from model 'no-such-model'" in err
        assert store.cache_size() == 4

        code, err = _clear(capsys, "--model", model)
        assert code == 0
        assert f"forgot 3 remembered answers of model '{model}'" in err
        assert store.cache_models() == {"llama-3": 1}

        # Rows the cache decided go back to the model: it is asked again, not answered from memory.
        seed(store, rows_for(MERCHANTS, month=4), file_tag="b")
        again = categorize_pending(store, configured)
        assert again.cache_hits == 0 and again.merchants_asked == 3

    code, err = _clear(capsys)
    assert code == 0 and "forgot 4 remembered answers of every model" in err
    assert store.cache_size() == 0
