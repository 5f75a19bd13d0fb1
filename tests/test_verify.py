"""nnbook.verify: the gradient check and PyTorch comparison behind the "Verified" boxes.

Every call passes ``references=``: the test file's own store of recorded PyTorch results
(``reference_store``), or None where a test is about the comparison being absent. So the tests
compare against PyTorch with or without it installed, and never write to the book's store.
"""

import sys

import numpy as np
import pytest

import nnbook
from nnbook.verify import BOOK_REFERENCES, Verification, verify

N, T, D = 2, 3, 4
TORCH_VERSION = "2.13.0"  # the reference extra's pin, which recorded tests/references


def _cases(rng):
    """(module, inputs, forward kwargs) for modules that have a torch counterpart."""
    return {
        "linear": (nnbook.Linear(3, 2, rng=0), (rng.standard_normal((4, 3)),), {}),
        "lstm": (nnbook.LSTM(3, 4, num_layers=2, rng=0), (rng.standard_normal((N, 5, 3)),), {}),
        "conv": (
            nnbook.Conv2d(2, 3, 3, stride=2, padding=1, rng=0),
            (rng.standard_normal((N, 2, 5, 5)),),
            {},
        ),
        "mha": (
            nnbook.MultiheadAttention(D, 2, rng=0),
            tuple(rng.standard_normal((N, t, D)) for t in (T, 5, 5)),
            {"key_padding_mask": np.array([[False] * 4 + [True], [False] * 5])},
        ),
        "encoder": (
            nnbook.TransformerEncoderLayer(D, 2, 8, dropout=0.0, rng=0),
            (rng.standard_normal((N, T, D)),),
            {"src_mask": nnbook.generate_square_subsequent_mask(T)},
        ),
        "sequential": (
            nnbook.Sequential(
                nnbook.Linear(3, 5, rng=0), nnbook.Tanh(), nnbook.Linear(5, 2, rng=1), nnbook.ReLU()
            ),
            (rng.standard_normal((4, 3)),),
            {},
        ),
    }


@pytest.mark.parametrize("case", ["linear", "lstm", "conv", "mha", "encoder", "sequential"])
def test_verify_passes_and_matches_torch(case, rng, reference_store):
    module, inputs, kwargs = _cases(rng)[case]
    result = verify(module, *inputs, references=reference_store, **kwargs)
    assert isinstance(result, Verification)
    assert result.name == type(module).__name__
    n_inputs = sum(1 for x in inputs if x.dtype == np.float64)
    assert set(result.gradcheck) == {f"input{i}" for i in range(n_inputs)} | set(
        module.state_dict()
    )
    for name, err in result.gradcheck.items():
        assert err < 1e-6, (name, err)
    assert result.max_gradcheck_error == max(result.gradcheck.values())
    assert isinstance(result.torch_max_abs_diff, float)
    assert 0 <= result.torch_max_abs_diff < 1e-10
    assert set(result.torch_diffs) == {"output"} | set(result.gradcheck)
    assert result.torch_version == TORCH_VERSION
    assert result.torch_source in ("recorded", "live, as recorded")
    assert result.note == ""
    assert result.passed


def test_verify_sees_the_whole_recurrent_output_and_initial_state(rng, reference_store):
    gru = nnbook.GRU(3, 4, rng=0)
    x, h0 = rng.standard_normal((N, 5, 3)), rng.standard_normal((1, N, 4))
    result = verify(gru, x, h0=h0, select=lambda out: (out[0], out[1]), references=reference_store)
    assert result.torch_max_abs_diff is not None
    assert result.passed, str(result)
    cell = nnbook.RNNCell(3, 4, nonlinearity="relu", rng=0)
    result = verify(
        cell, rng.standard_normal((N, 3)), rng.standard_normal((N, 4)), references=reference_store
    )
    assert result.torch_max_abs_diff is not None
    assert set(result.gradcheck) >= {"input0", "input1"}
    assert result.passed, str(result)


def test_module_state_is_restored(rng, reference_store):
    model = nnbook.Sequential(nnbook.Linear(3, 3, rng=0), nnbook.Dropout(0.5, rng=0))
    model.train()
    x = rng.standard_normal((4, 3))
    x_before = x.copy()
    # Dropout is off during the check, so it passes, and torch (with dropout 0) agrees.
    result = verify(model, x, references=reference_store)
    assert result.torch_max_abs_diff is not None
    assert result.passed, str(result)
    assert all(m.training for m in model.modules())
    assert all(not p.grad.any() for p in model.parameters())
    np.testing.assert_array_equal(x, x_before)


def test_self_attention_with_one_array_checks_each_argument(rng, reference_store):
    x = rng.standard_normal((N, T, D))
    result = verify(nnbook.MultiheadAttention(D, 2, rng=0), x, x, x, references=reference_store)
    assert {"input0", "input1", "input2"} <= set(result.torch_diffs)
    assert {"input0", "input1", "input2"} <= set(result.gradcheck)
    assert result.passed, str(result)


class _Doubler(nnbook.Module):
    """A module no torch class matches."""

    def forward(self, x):
        return 2 * x

    def backward(self, grad_output):
        return 2 * grad_output


@pytest.mark.parametrize(
    "module", [_Doubler(), nnbook.PositionalEncoding(D, 10)], ids=["custom", "positional"]
)
def test_module_without_counterpart_gets_no_torch_diff(module, rng, reference_store):
    result = verify(module, rng.standard_normal((N, T, D)), references=reference_store)
    assert result.torch_max_abs_diff is None
    assert result.torch_version is None
    assert result.note
    assert result.passed
    assert "Verified" in str(result)
    assert "Not compared with PyTorch" in result._repr_html_()


def test_without_torch_or_a_record_only_the_gradient_check_runs(rng, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    result = verify(nnbook.Linear(3, 2, rng=0), rng.standard_normal((4, 3)), references=None)
    assert result.torch_max_abs_diff is None and result.torch_source == ""
    assert (
        result.note == "PyTorch is not installed, and no result of it is recorded for this input."
    )
    assert result.passed
    assert "Not compared with PyTorch: PyTorch is not installed" in str(result)


def test_without_torch_the_recorded_result_is_compared(rng, monkeypatch, reference_store):
    x = rng.standard_normal((4, 3))
    with_torch = verify(nnbook.Linear(3, 2, rng=0), x, references=reference_store)
    monkeypatch.setitem(sys.modules, "torch", None)
    result = verify(nnbook.Linear(3, 2, rng=0), x, references=reference_store)
    assert result.torch_diffs == with_torch.torch_diffs
    assert result.torch_source == "recorded" and result.torch_version == TORCH_VERSION
    assert result.torch_max_abs_diff < 1e-12
    assert f"PyTorch {TORCH_VERSION} (recorded result): largest absolute" in str(result)
    # Another input has no record: it is not compared, and the box says why.
    other = verify(nnbook.Linear(3, 2, rng=0), x + 1, references=reference_store)
    assert other.torch_max_abs_diff is None and "no result of it is recorded" in other.note


def test_the_book_ships_its_references():
    """The book's Verified boxes compare with PyTorch where it is not installed."""
    records = list(BOOK_REFERENCES.folder.glob("*.npz"))
    assert len(records) >= 20, records
    assert not BOOK_REFERENCES.strict  # a reader's own module and input are compared live


class _BrokenLinear(nnbook.Linear):
    """A Linear whose weight gradient is off by half."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.weight.grad *= 1.5
        return grad_input


def test_broken_backward_fails_with_a_warning(rng):
    result = verify(_BrokenLinear(3, 2, rng=0), rng.standard_normal((4, 3)), references=None)
    assert result.gradcheck["weight"] > 1e-3
    assert result.gradcheck["bias"] < 1e-6
    assert not result.passed
    page = result._repr_html_()
    assert page.startswith('<div class="admonition warning">')
    assert "Verification failed: _BrokenLinear" in page
    assert "failed" in page and "parameter weight" in page
    assert "Verified:" not in str(result)


def test_broken_backward_is_caught_by_torch_too(rng, reference_store):
    x = rng.standard_normal((4, 3))
    result = verify(_BrokenLinear(3, 2, rng=0), x, references=reference_store)
    assert result.torch_diffs["weight"] > 1e-3
    assert result.torch_diffs["output"] < 1e-12
    assert result.torch_max_abs_diff == result.torch_diffs["weight"]
    assert "disagrees" in result._repr_html_()


def test_html_box_holds_the_numbers(rng, reference_store):
    result = verify(
        nnbook.Linear(3, 2, rng=0), rng.standard_normal((4, 3)), references=reference_store
    )
    page = result._repr_html_()
    assert page.startswith('<div class="admonition verified"><p class="admonition-title">')
    assert "Verified: Linear</p>" in page
    assert f"{result.max_gradcheck_error:.1e}" in page
    assert "over the input and 2 parameters" in page
    diff = result.torch_max_abs_diff
    assert ("0" if diff == 0 else f"{diff:.1e}") in page
    assert f"PyTorch {TORCH_VERSION} (" in page
    assert f"{result.max_gradcheck_error:.1e}" in str(result)


def test_html_is_escaped():
    result = Verification(name="<b>&", gradcheck={"input0": 1e-12}, note="a < b")
    page = result._repr_html_()
    assert "&lt;b&gt;&amp;" in page and "a &lt; b" in page
    assert "<b>" not in page


def test_passed_thresholds():
    ok = {"input0": 1e-9}
    assert Verification("M", ok).passed
    assert not Verification("M", {"input0": 2e-6}).passed
    assert not Verification("M", {"input0": float("nan")}).passed
    assert Verification("M", ok, torch_max_abs_diff=1e-12, torch_version="2").passed
    assert not Verification("M", ok, torch_max_abs_diff=1e-6, torch_version="2").passed
    assert not Verification("M", {}).passed  # nothing checked is not a pass


def test_select_must_return_outputs_not_new_arrays(rng, reference_store):
    with pytest.raises(ValueError, match="select must return items of the output"):
        verify(
            nnbook.Linear(3, 2, rng=0),
            rng.standard_normal((4, 3)),
            select=lambda y: y.copy(),
            references=reference_store,
        )


def test_float32_module_raises(rng):
    layer = nnbook.Linear(3, 2, rng=0, dtype=np.float32)
    with pytest.raises(TypeError, match="Linear parameter weight has dtype float32"):
        verify(layer, rng.standard_normal((4, 3)).astype(np.float32))


def test_float32_input_raises(rng):
    with pytest.raises(TypeError, match="ReLU input 0 has dtype float32"):
        verify(nnbook.ReLU(), rng.standard_normal((4, 3)).astype(np.float32))


def test_not_a_module_raises(rng):
    with pytest.raises(TypeError, match="expected an nnbook Module, got Perceptron"):
        verify(nnbook.Perceptron(2), rng.standard_normal((4, 2)))


def _more_cases(rng):
    """(module, inputs, forward kwargs, select) for the other modules with a torch builder."""
    x3 = rng.standard_normal((N, T, D))
    img = rng.standard_normal((N, 2, 6, 6))
    return {
        "decoder layer": (
            nnbook.TransformerDecoderLayer(D, 2, 8, dropout=0.0, rng=0),
            (x3, rng.standard_normal((N, 5, D))),
            {"tgt_mask": nnbook.generate_square_subsequent_mask(T)},
            None,
        ),
        "encoder stack": (
            nnbook.TransformerEncoder(
                nnbook.TransformerEncoderLayer(D, 2, 8, dropout=0.0, rng=0), 2
            ),
            (x3,),
            {},
            None,
        ),
        "decoder stack": (
            nnbook.TransformerDecoder(
                nnbook.TransformerDecoderLayer(D, 2, 8, dropout=0.0, rng=0), 2
            ),
            (x3, rng.standard_normal((N, 5, D))),
            {},
            None,
        ),
        "embedding": (
            nnbook.Embedding(7, D, rng=0),
            (np.array([[0, 3, 6]]),),
            {},
            None,
        ),
        "layernorm": (nnbook.LayerNorm(D), (x3,), {}, None),
        "gelu": (nnbook.GELU(), (x3,), {}, None),
        "softmax": (nnbook.Softmax(dim=-1), (x3,), {}, None),
        "maxpool": (nnbook.MaxPool2d(2), (img,), {}, None),
        "avgpool": (nnbook.AvgPool2d(3, stride=2, padding=1), (img,), {}, None),
        "flatten": (nnbook.Flatten(), (img,), {}, None),
        "dropout": (nnbook.Dropout(0.3, rng=0), (x3,), {}, None),
        "lstm cell": (
            nnbook.LSTMCell(3, D, rng=0),
            (
                rng.standard_normal((N, 3)),
                (rng.standard_normal((N, D)), rng.standard_normal((N, D))),
            ),
            {},
            lambda out: out,  # both h' and c' enter the loss
        ),
        "gru cell": (nnbook.GRUCell(3, D, rng=0), (rng.standard_normal((N, 3)),), {}, None),
    }


@pytest.mark.parametrize(
    "case",
    [
        "decoder layer",
        "encoder stack",
        "decoder stack",
        "embedding",
        "layernorm",
        "gelu",
        "softmax",
        "maxpool",
        "avgpool",
        "flatten",
        "dropout",
        "lstm cell",
        "gru cell",
    ],
)
def test_verify_builds_every_torch_counterpart(case, rng, reference_store):
    module, inputs, kwargs, select = _more_cases(rng)[case]
    result = verify(module, *inputs, select=select, references=reference_store, **kwargs)
    assert result.torch_max_abs_diff is not None, result.note  # a torch module was built
    assert result.torch_max_abs_diff < 1e-10
    assert result.passed, str(result)
