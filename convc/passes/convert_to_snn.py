"""convc-convert-to-snn: ReLU layers placed on a spiking engine become spiking layers.

ANN-to-SNN conversion by rate coding (engines/snn_conversion.py has the arithmetic). A dense
ReLU layer (`imc.matmul` with its ReLU fused, one input vector) becomes

    dpu.rescale    its input codes as zero-centred currents (only if their zero point is not 0)
    snn.encode     those currents at each of T steps, and the always-on inputs of its bias
    snn.lif        integrate-and-fire neurons, reset by subtraction, thresholds balanced
    dpu.reshape, dpu.avgpool, dpu.reshape
                   the decoder: Λ * spike count / T as the layer's int8 codes

A convolutional ReLU layer (`imc.conv2d`, one image) becomes the same chain with an
`snn.lif_conv`: its map encoded as a raster [T, H, W, C], its bias on always-on input channels
that only the kernel's centre tap reads (the centre of every window lies inside the map when
the padding is at most half the kernel, so border neurons get their whole bias), its
thresholds per output channel, and the decoder counting per neuron.

and a converted layer whose decoded output feeds only another converted layer hands that one
its spike raster instead: the decoder and the currents go, spikes pass between the layers.

Which layers: a `place SEL on snn` rule converts the layers it names (or is refused with the
reason a layer cannot be converted); without a rule, the cost model converts a layer when the
chain's estimated cycles on the target are fewer than the layer's best elsewhere. T is the
module's `convc.timesteps` (`--timesteps`, default 16). A layer fed by int8 codes gets them as
direct currents, or — with the module's `convc.spike_encoding = "rate"` (`--spike-encoding
rate[,SEED]`) — as seeded Bernoulli spike trains of rate |current| / 128 (`convc.spike_seed`
plus the layer's id seeds each layer's generator). The rate scales Λ need data: the pass
runs the integer reference over the calibration samples, so each layer's Λ comes from the
outputs its ANN form gives on the inputs the converted layers before it really produce. The new
ops record `convc.source.conversion`; allocation then places the spiking ops on the spiking
engine and the rescale and decoder where they run fastest.
"""

import numpy as np

from convc import quant_math as qm
from convc.dialects import dpu, is_view
from convc.dialects.snn import EncodeOp, LifConvOp, LifOp
from convc.driver import int_reference
from convc.engines import ENGINES
from convc.engines.snn_conversion import PERCENTILE, SpikingWeights, rate_scale, spiking_weights
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import f64, get_array, get_int, i64, i64_array, numel, tensor_shape
from convc.ir.locations import node_name
from convc.ir.mlir import ir
from convc.ir.schema import DAC_RANGE, ID, RATE_SCALE, SOURCE
from convc.ir.util import dense_constant
from convc.passes.allocate_cores import choices, network_outputs
from convc.passes.api import Pass
from convc.passes.calibrate_engines import integer_samples
from convc.passes.directives import refuse, rule_for, set_source
from convc.passes.engine_ops import engine_ops
from convc.passes.lowering import i8

DEFAULT_TIMESTEPS = 16
TIMESTEPS = "convc.timesteps"  # module attribute: time steps per inference of converted layers
ENCODING, SEED = "convc.spike_encoding", "convc.spike_seed"  # module attributes: how codes become spikes
CALIBRATION_SAMPLES = 32
COST_MODEL = "cost model"


def timesteps(module_op) -> int:
    attrs = module_op.attributes
    return ir.IntegerAttr(attrs[TIMESTEPS]).value if TIMESTEPS in attrs else DEFAULT_TIMESTEPS


def spike_encoding(module_op) -> tuple[str, int]:
    """("direct" or "rate", the base seed) for layers fed by int8 codes."""
    attrs = module_op.attributes
    kind = ir.StringAttr(attrs[ENCODING]).value if ENCODING in attrs else "direct"
    return kind, (ir.IntegerAttr(attrs[SEED]).value if SEED in attrs else 0)


def spiking_spec(target):
    """The spec of the target's first spiking engine, or None."""
    return next((target.engines(c)["snn"] for c in range(target.cores) if "snn" in target.engines(c)), None)


def _is_conv(op) -> bool:
    return op.operation.name == "imc.conv2d"


def why_not(op, spec) -> str | None:
    """Why `op` cannot become a spiking layer, or None. What the spiking engine itself takes
    (kernel sizes, strides) its refusal says, asked of the chain built for the layer."""
    if op.operation.name not in ("imc.matmul", "imc.conv2d"):
        return f"only dense and convolutional layers (MatMul, Gemm, Conv) convert so far; this is {op.operation.name}"
    if _is_conv(op):
        images, neurons = tensor_shape(op.input)[0], numel(op.output)
        kernel, pad = tensor_shape(op.weights)[1:3], get_array(op, "pad")
        shape_why = (
            (images != 1 and f"it convolves {images} images; a converted layer takes one")
            or (get_array(op, "dilation") != [1, 1] and "it is dilated")
            or (max(pad) > min(kernel) // 2
                and f"its padding {pad} exceeds half its {kernel[0]}x{kernel[1]} kernel (the bias rides on the "
                    f"window's centre, which must lie inside the map)"))
    else:
        rows = numel(op.input) // tensor_shape(op.input)[-1]
        neurons = tensor_shape(op.weights)[1]
        shape_why = rows != 1 and f"it multiplies {rows} input vectors; a converted layer takes one"
    for why in (
        get_int(op, "clamp_min") != get_int(op, "out_zp")
        and "no ReLU follows it (a spike count stands for a value >= 0)",
        shape_why,
        DAC_RANGE.has(op) and "it runs on the analog array",
        neurons > spec.max_neurons and f"it has {neurons} neurons; the spiking engine holds {spec.max_neurons}",
    ):
        if why:
            return why
    return None


def run(module_op, ctx) -> None:
    spec = spiking_spec(ctx.target)
    if spec is None:
        return
    steps = timesteps(module_op)
    ops = engine_ops(module_op)
    outputs = network_outputs(ops)
    # id -> the place rule that asked, or None (the cost model). By id: the bindings do not keep
    # an op's Python object identity once other ops are erased.
    chosen, by_cost = {}, []
    for op in ops:
        if is_view(op) or ENGINES["snn"].runs(op):  # a view goes with its layer; spiking ops already spike
            continue
        rule = rule_for(ctx, "place", op)
        asked = rule is not None and rule.value("engine") == "snn"
        if not asked and rule is not None:
            continue
        why = why_not(op, spec)
        engine_why, cheaper = _probe(op, steps, spec, ctx, outputs, price=not asked) if why is None else (None, False)
        why = why or engine_why
        if asked and why:
            refuse(ctx, rule, f"layer '{node_name(op.location)}' cannot become a spiking layer: {why}", "the ANN layer")
        elif why is None and (asked or cheaper):
            chosen[ID.get(op)] = rule
            if rule is None:
                by_cost.append(node_name(op.location))
    if not chosen:
        return
    samples = integer_samples(module_op, ctx, CALIBRATION_SAMPLES)
    kind, seed = spike_encoding(module_op)

    def before(op, operands):
        if ID.has(op) and ID.get(op) in chosen:
            return convert(op, operands, chosen[ID.get(op)], steps, spec, (kind, (seed + ID.get(op)) % (1 << 32)))
        return None

    int_reference.run_samples(module_op, samples, before)
    if by_cost:
        names = ", ".join(by_cost)
        ctx.warnings.append(f"the cost model converted layer(s) {names} to spiking layers ({steps} time steps): "
                            f"their outputs approximate the ANN's; `place SEL on host` keeps a layer as it is")


def _probe(op, steps, spec, ctx, outputs, price: bool) -> tuple[str | None, bool]:
    """(why the spiking engine refuses the chain built for `op`, or None; whether the chain's
    estimated cycles, with one bias input and its decoder, are below those of the layer's
    cheapest placement as it is — asked only with `price`). The chain is built with
    placeholder weights and erased."""
    def best(candidate):
        costs = [c.total for group in choices(candidate, ctx.target, outputs).values()
                 for c in group.values() if not isinstance(c, str)]
        return min(costs) if costs else None

    k, n_out = _matrix_shape(op)
    placeholder = SpikingWeights(np.zeros((k + 1, n_out), np.int64), np.ones(n_out, np.int64), 0, 1, 0)
    rescale = None if get_int(op, "in_zp") == 0 else qm.multiplier(0.5)
    new, _ = _build(op, op.input, rescale, placeholder, 1.0, steps, spec)
    snn = ENGINES["snn"]
    core = next(c for c in range(ctx.target.cores) if "snn" in ctx.target.engines(c))
    why = next((w for n in new if snn.runs(n) for w in [snn.refusal(n, ctx.target, core)] if w), None)
    priced = [best(n) for n in new if not is_view(n) and n.operation.name != "arith.constant"] if price and not why else []
    for n in reversed(new):
        n.operation.erase()
    as_is = best(op) if priced else None
    return why, as_is is not None and None not in priced and sum(priced) < as_is


def _matrix_shape(op) -> tuple[int, int]:
    """(fan-in, output channels) of the layer as a matrix: a convolution's windows are rows."""
    if _is_conv(op):
        c_out, kh, kw, c_in = tensor_shape(op.weights)
        return kh * kw * c_in, c_out
    n_in, n_out = tensor_shape(op.weights)
    return n_in, n_out


def _matrix_inputs(op, args) -> np.ndarray:
    """The layer's input vectors for one sample, as the matrix multiplies them: a dense layer's
    one row, a convolution's windows (padding = in_zp, a real 0)."""
    return op.matrix_rows(args[0]) if _is_conv(op) else args[0].reshape(1, -1)


def _matrix_weights(op) -> np.ndarray:
    w = const_value(op.weights.owner).astype(np.float64)
    return w.transpose(1, 2, 3, 0).reshape(-1, w.shape[0]) if _is_conv(op) else w


def convert(op, operands, rule, steps, spec, encoding=("direct", 0)) -> list:
    """Replace `op` by its spiking chain, fitted to the layer's inputs and ANN outputs on
    `operands` (per calibration sample); returns the new ops for the integer reference.
    `encoding`: (kind, seed) for a layer fed by int8 codes."""
    zp, in_zp = get_int(op, "out_zp"), get_int(op, "in_zp")
    x = np.concatenate([_matrix_inputs(op, args) for args in operands]).astype(np.float64) - in_zp
    outputs = np.concatenate([op.reference(*args).reshape(-1) for args in operands]).astype(np.int64)
    lam = rate_scale(outputs - zp, PERCENTILE)
    w = _matrix_weights(op)
    # The accumulator is sum_j (x_j - in_zp) w_j + b: the stored bias has -in_zp * sum(w) folded in.
    b = const_value(op.bias.owner).astype(np.float64) + in_zp * w.sum(axis=0)
    factor = np.array(get_array(op, "mult"), np.float64) * 2.0 ** -np.array(get_array(op, "shift"), np.float64)
    # Half a threshold of extra charge over the T steps (a bias of 0.5/T per step): a neuron
    # reset by subtraction fires floor(T u + 0.5) = round(T u) times instead of floor(T u),
    # which removes the count's truncation bias of half a spike (Λ / 2T codes: 30 codes at
    # T = 4 for digits_cnn's first convolution), and a neuron without drive still stays silent.
    beta = factor * b / lam + 0.5 / steps
    raster, lam_in, decoder = _spikes_feeding(op)
    if raster is not None:  # input j's rate r stands for lam_in * r codes above in_zp
        weights, _ = spiking_weights(w * (factor * lam_in / lam)[None, :], beta, x / lam_in, None,
                                     spec.weight_bits, spec.membrane_bits, spec.max_shift, spec.min_shift)
        rescale, encoding = None, ("direct", 0)
    elif encoding[0] == "rate":  # currents at full scale k; a spike stands for 128 / k codes
        scales = _current_scales(in_zp)
        k = max(scales)
        rates = np.clip(np.rint(k * x), -128, 127) / 128
        weights, _ = spiking_weights(w * (factor / lam * 128 / k)[None, :], beta, rates, None,
                                     spec.weight_bits, spec.membrane_bits, spec.max_shift, spec.min_shift)
        rescale = scales[k]
    else:
        scales = _current_scales(in_zp)
        weights, k = spiking_weights(w * (factor / lam)[None, :], beta, x, list(scales),
                                     spec.weight_bits, spec.membrane_bits, spec.max_shift, spec.min_shift)
        rescale = scales[k]
    new, out = _build(op, raster if raster is not None else op.input, rescale, weights, lam, steps, spec, encoding)
    for n in new:
        set_source(n, "conversion", rule)
    op.results[0].replace_all_uses_with(out)
    op.operation.erase()
    for d in decoder:  # the spikes go straight to this layer; the decoder before it has no reader left
        d.operation.erase()
    return new


def _current_scales(in_zp: int) -> dict:
    """{scale k: the dpu.rescale (mult, shift) computing round(k * (x - in_zp)), or None}: the
    candidates for a direct layer's currents, from the whole int8 range down to a few levels."""
    full = 127.0 / max(128 + in_zp, 127 - in_zp)
    out = {1.0: None} if in_zp == 0 else {}
    for i in range(11):
        mult, shift = qm.multiplier(full / 2 ** i)
        out[mult / 2.0 ** shift] = (mult, shift)
    return out


def _spikes_feeding(op):
    """(raster, rate scale, decoder ops) when `op`'s input is the decoded output of a converted
    layer that nothing else reads (through views); else (None, None, [])."""
    chain, value = [], op.input
    for wanted in (("dpu.avgpool",), ("snn.lif", "snn.lif_conv")):
        owner = value.owner
        while not isinstance(owner, ir.Block) and is_view(owner) and len(list(value.uses)) == 1:
            chain.append(owner)
            value, owner = owner.operands[0], owner.operands[0].owner
        if (isinstance(owner, ir.Block) or owner.operation.name not in wanted or len(list(value.uses)) != 1
                or not SOURCE.has(owner, "conversion")):
            return None, None, []
        if owner.operation.name != "dpu.avgpool":
            return value, RATE_SCALE.get(owner), chain
        chain.append(owner)
        value = owner.operands[0]
    return None, None, []


def _scale_of(value) -> float:
    """The real value of one code of `value` (through views, to its producer or the input)."""
    owner = value.owner
    while not isinstance(owner, ir.Block) and is_view(owner):
        value, owner = owner.operands[0], owner.operands[0].owner
    if isinstance(owner, ir.Block):
        scales = owner.owner.attributes["convc.input_scales"]  # the block's function
        return ir.FloatAttr(ir.ArrayAttr(scales)[value.arg_number]).value
    return ir.FloatAttr(owner.attributes["out_scale"]).value if "out_scale" in owner.attributes else 1.0


def _build(op, source, rescale, weights: SpikingWeights, lam: float, steps: int, spec,
           encoding=("direct", 0)) -> tuple[list, object]:
    """The chain before `op` (not yet wired to its readers): its ops in order, and the value
    standing for `op`'s result."""
    loc, new = op.location, []
    conv = _is_conv(op)
    in_shape, out_shape = tensor_shape(op.input), tensor_shape(op.results[0])
    # per step: a vector [n_in] -> [n_out], or a map [H, W, C_in] -> [Ho, Wo, C_out]
    per_step_in = in_shape[1:] if conv else [in_shape[-1]]
    per_step_out = out_shape[1:] if conv else [out_shape[-1]]
    with ir.InsertionPoint(op), loc:
        x = source
        rows = steps if tensor_shape(x)[0] == steps and numel(x) == steps * int(np.prod(per_step_in)) else 1
        if tensor_shape(x) != [rows, *per_step_in]:
            new.append(dpu.ReshapeOp(x, i8([rows, *per_step_in]), loc=loc))
            x = new[-1].output
        if rescale is not None:
            scale = _scale_of(op.input) * 2.0 ** rescale[1] / rescale[0]
            new.append(dpu.RescaleOp(x, i64(get_int(op, "in_zp")), i64(rescale[0]), i64(rescale[1]), i64(0),
                                     f64(scale), i64(-128), i64(127), output=i8([1, *per_step_in]), loc=loc))
            x = new[-1].output
        encoded = [steps, *per_step_in[:-1], per_step_in[-1] + weights.bias_inputs]
        encode = EncodeOp(x, steps=i64(steps), bias_inputs=i64(weights.bias_inputs),
                          bias_level=i64(weights.bias_level), encoding=ir.StringAttr.get(encoding[0]),
                          seed=i64(encoding[1]), output=i8(encoded), loc=loc)
        codes = _conv_codes(op, weights) if conv else weights.codes
        codes = dense_constant(codes.astype(np.int8), loc=loc)
        params = dense_constant(weights.params().astype(np.int8), loc=loc)
        new += [encode, codes.owner, params.owner]
        neuron = dict(shift=i64(weights.shift), reset=ir.StringAttr.get("subtract"), leak=ir.StringAttr.get("linear"),
                      record=ir.StringAttr.get("spikes"), weight_bits=i64(spec.weight_bits),
                      membrane_bits=i64(spec.membrane_bits), output=i8([steps, *per_step_out]), loc=loc)
        if conv:
            lif = LifConvOp(encode.output, codes, params, stride=op.attributes["stride"], pad=op.attributes["pad"],
                            **neuron)
        else:
            lif = LifOp(encode.output, codes, params, **neuron)
        RATE_SCALE.set(lif, lam)
        new.append(lif)
        n_out = per_step_out[-1]
        positions = int(np.prod(per_step_out)) // n_out
        new.append(dpu.ReshapeOp(lif.output, i8([1, steps, positions, n_out]), loc=loc))
        mult, shift = qm.multiplier(lam, max_shift=40)  # codes = zp + round(count * lam / steps)
        window = i64_array([steps, 1])
        new.append(dpu.AvgPoolOp(new[-1].output, window, window, i64_array([0, 0, 0, 0]), i64(0), i64(0), i64(mult),
                                 i64(shift), i64(get_int(op, "out_zp")), op.attributes["out_scale"],
                                 i64(get_int(op, "clamp_min")), i64(get_int(op, "clamp_max")),
                                 output=i8([1, 1, positions, n_out]), loc=loc))
        new.append(dpu.ReshapeOp(new[-1].output, op.results[0].type, loc=loc))
    return new, new[-1].output


def _conv_codes(op, weights: SpikingWeights) -> np.ndarray:
    """[C_out, kh, kw, C_in + bias_inputs]: the fitted codes [(ky, kx, c_in) + bias rows, C_out]
    as a kernel whose always-on channels only the centre tap reads."""
    c_out, kh, kw, c_in = tensor_shape(op.weights)
    kernel = np.zeros((kh, kw, c_in + weights.bias_inputs, c_out), np.int64)
    kernel[:, :, :c_in] = weights.codes[:kh * kw * c_in].reshape(kh, kw, c_in, c_out)
    kernel[kh // 2, kw // 2, c_in:] = weights.codes[kh * kw * c_in:]
    return kernel.transpose(3, 0, 1, 2)


PASS = Pass("convc-convert-to-snn", run,
            "Convert ReLU layers placed on a spiking engine to integrate-and-fire layers (rate coding, "
            "threshold balancing on the calibration inputs)")
