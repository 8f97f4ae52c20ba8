"""--verify: run the compiled stream on the reference runtime and compare it twice.

1. The runtime's int8 outputs against the independent integer reference of the quantized
   model (convc/driver/int_reference.py): must be identical (`integer_exact`).
2. The dequantized outputs against onnxruntime on the original float model: cosine
   similarity (worst sample), max absolute error, top-1 agreement.
"""

import numpy as np
import onnxruntime as ort

from convc.driver import int_reference
from convc.errors import ConvcError
from convc.quant_math import quantize
from convc.runtime.host import Program


def verify(compiled, model_path, samples: list[list[np.ndarray]]) -> dict:
    program = Program(compiled.stream, compiled.target)
    try:
        session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... classes
        first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise ConvcError(f"--verify: onnxruntime cannot load {model_path} to compare against: {first}") from None
    ins = program.inputs
    exact, cosines, max_err, top1 = True, [], 0.0, 0
    for sample in samples:
        feeds = dict(zip(compiled.input_names, sample))
        run = program.run(feeds)
        q_inputs = [quantize(x, t.scale, t.zero_point) for x, t in zip(sample, ins)]
        with compiled.module.context:
            ref = int_reference.run(compiled.module, q_inputs)
        float_out = session.run(None, {k: np.asarray(v, np.float32) for k, v in feeds.items()})
        for i, name in enumerate(compiled.output_names):
            got_q = run.outputs_int8[name]
            exact &= bool(np.array_equal(got_q.reshape(-1), ref[i].reshape(-1)))
            y = run.outputs[name].reshape(-1).astype(np.float64)
            r = float_out[i].reshape(-1).astype(np.float64)
            denom = np.linalg.norm(y) * np.linalg.norm(r)
            cosines.append(float(y @ r / denom) if denom > 0 else float(np.allclose(y, r)))
            max_err = max(max_err, float(np.abs(y - r).max()))
            if i == 0:
                top1 += int(y.argmax() == r.argmax())
    return {"integer_exact": exact, "cosine": min(cosines), "cosine_mean": float(np.mean(cosines)),
            "max_abs_error": max_err, "top1_agreement": top1 / len(samples), "samples": len(samples)}
