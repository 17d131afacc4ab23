"""Loading whisper.cpp models in the engine's worker, and what the worker keeps about them.

A model is loaded with DTW token timestamps where its alignment heads are known
(:mod:`dtw_timing`; flash attention off, as whisper.cpp needs) unless the engine asked for none
(raw output, or a load with DTW that crashed); parallel decoders (:mod:`decoder_pool`) get more
contexts of the same model, loaded the same way and kept for the worker's life. The state here
is per worker process.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from wavescribe.core import errors
from wavescribe.core.engine.dtw_timing import AlignmentHeads, chosen_heads, read_hparams
from wavescribe.core.engine.options import TranscribeOptions

# Extra contexts of a model for parallel decoders, kept for the worker's life (loading costs).
_EXTRA_CONTEXTS: dict[str, list[Any]] = {}
_LOADED_ON_GPU: dict[str, bool] = {}
_DTW_HEADS: dict[str, AlignmentHeads | None] = {}  # the heads each model was loaded with
_DTW_ALLOWED = {"on": True}  # False: the engine restarted us without DTW (see Engine.start)
_CTX_DTW: dict[int, bool] = {}  # id of each loaded context: whether it computes DTW times
_DEVICE: dict[str, bool] = {}  # "gpu": whether this worker's model computes on a GPU (its log)


def allow_dtw(on: bool) -> None:
    """Whether models this worker loads may use DTW (the engine's choice for this worker)."""
    _DTW_ALLOWED["on"] = on


def loaded_heads(model_path: str) -> AlignmentHeads | None:
    """The alignment heads ``model_path`` was loaded with (None: without DTW)."""
    return _DTW_HEADS.get(model_path)


def computes_dtw(ctx: Any) -> bool:
    """Whether a context this worker loaded computes DTW token times."""
    return _CTX_DTW.get(id(ctx), False)


def decoder_pool_for(
    ctx: Any, model_path: str | None, options: TranscribeOptions, send: Any
) -> Any:
    """``ctx`` and as many more contexts of its model as ``options.decoders`` asks (0: see
    :func:`decoder_pool.auto_decoders`); extra contexts are loaded once per worker and kept."""
    import psutil

    from wavescribe.core.engine.decoder_pool import DecoderPool, auto_decoders

    n = options.decoders
    if n <= 0 and _DEVICE.get("gpu"):
        n = 1  # several contexts on one GPU: not measured, so not chosen for the user
    elif n <= 0 and model_path:
        size = os.path.getsize(model_path)
        n = auto_decoders(options.threads, size, psutil.virtual_memory().available)
    n = max(1, min(n, options.threads)) if model_path else 1
    if options.decoders > 1 and n < options.decoders:
        send(("warning", f"{n} decoder(s): fewer threads or no model path for more"))
    extra = _EXTRA_CONTEXTS.setdefault(model_path or "", [])
    while len(extra) < n - 1:
        extra.append(load_model(str(model_path), _LOADED_ON_GPU.get(str(model_path), False)))
    return DecoderPool([ctx, *extra[: n - 1]])


def load_model(model_path: str, use_gpu: bool) -> Any:
    """A whisper.cpp context of ``model_path``, with DTW token timestamps where the model's
    alignment heads are known (:mod:`dtw_timing`); without them if that load fails."""
    import _pywhispercpp as pw

    heads = _alignment_heads(model_path)
    ctx = None
    if heads is not None:
        ctx = _init(pw, model_path, use_gpu, heads)
        if ctx is None or getattr(ctx, "ptr", 1) is None:
            print(f"wavescribe: loading with DTW ({heads}) failed; without", file=sys.stderr)
            ctx = None
    if ctx is None:
        heads = None
        ctx = _init(pw, model_path, use_gpu, None)
    _DTW_HEADS[model_path] = heads
    _CTX_DTW[id(ctx)] = heads is not None
    _LOADED_ON_GPU[model_path] = use_gpu
    if ctx is None or getattr(ctx, "ptr", 1) is None:
        raise errors.ModelCorrupt(
            f"whisper.cpp could not load {os.path.basename(model_path)}",
            hint=errors.Hint(errors.HintKind.REIMPORT_MODEL),
        )
    return ctx


def _init(pw: Any, model_path: str, use_gpu: bool, heads: AlignmentHeads | None) -> Any:
    cparams = pw.whisper_context_default_params()
    cparams.use_gpu = use_gpu
    if heads is not None:
        cparams.flash_attn = False  # whisper.cpp computes DTW only without flash attention
        cparams.dtw_token_timestamps = True
        cparams.dtw_aheads_preset = getattr(pw.whisper_alignment_heads_preset, heads.preset)
        cparams.dtw_n_top = heads.n_top
    return pw.whisper_init_from_file_with_params(model_path, cparams)


def _alignment_heads(model_path: str) -> AlignmentHeads | None:
    """The heads DTW should use for this model file, or None (DTW off: the engine's choice,
    ``WAVESCRIBE_DTW``, or no header)."""
    if not _DTW_ALLOWED["on"]:
        return None
    return chosen_heads(read_hparams(model_path), os.path.basename(model_path))


def system_info(log_path: str, use_gpu: bool) -> dict[str, Any]:
    """whisper.cpp's build features, and the device it chose while loading (from its log)."""
    import _pywhispercpp as pw

    from wavescribe.core.engine.compute_device import detect_device
    from wavescribe.core.models.hardware_fit import whisper_library_names, with_library_backends

    info = pw.whisper_print_system_info().strip()
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    libraries = whisper_library_names()
    info = with_library_backends(info, libraries)
    device = detect_device(log, info, use_gpu, libraries)
    _DEVICE["gpu"] = device.is_gpu
    return {
        "system_info": info,
        "device": device.to_dict(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
    }
