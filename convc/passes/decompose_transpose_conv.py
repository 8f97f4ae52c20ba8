"""convc-decompose-transpose-conv: a transposed convolution becomes an ordinary one.

No engine has a transposed convolution, and zero-stuffing the input would spend s_y * s_x
times the array's work on zeros. Instead (the "sub-pixel" decomposition), output pixel
(q * s + a) of a stride-s transposed convolution only sees the kernel taps of its phase a,
applied to input rows q - m: an ordinary stride-1 correlation per phase. The pass builds one
tosa.conv2d whose output channels are all s_y * s_x phases ((a, b, c) order), then reorders
them into space: reshape [N*Qy, Qx, s_y, s_x*C], transpose [0, 2, 1, 3], reshape
[N, Qy*s_y, Qx*s_x, C], and crops to the real output size. Every piece lowers as usual
(imc.conv2d, views and a DPU transpose), and the arithmetic is exactly the same sum of
products, so nothing is approximated.

TOSA's transpose_conv2d: out[oy] += in[iy] * w[ky] for oy = iy * s + out_pad_top + ky.
"""

import numpy as np

from convc.frontend.tosa_eval import const_value, int_array
from convc.ir.mlir import ir, tosa
from convc.ir.util import body_ops, defining_op, entry_func, erase_dead, is_constant, op_name
from convc.passes.api import Pass, no_target


def phase_kernel(k: int, s: int, p: int) -> tuple[int, int, np.ndarray]:
    """Per axis: (taps L, pad before, tap index [s, L]) of the phase correlations.

    Output o = q*s + a reads input q - m through tap t = m*s + a - p. With m_hi the largest
    useful m (at least 0, so the correlation never starts after its first input), tap j of
    phase a is t = (m_hi - j)*s + a - p, and -1 where that tap does not exist.
    """
    ms = [(t + p - a) // s for a in range(s) for t in range(k) if (t + p - a) % s == 0]
    m_hi, m_lo = max(max(ms), 0), min(ms)
    taps = m_hi - m_lo + 1
    index = np.full((s, taps), -1, np.int64)
    for a in range(s):
        for j in range(taps):
            t = (m_hi - j) * s + a - p
            if 0 <= t < k:
                index[a, j] = t
    return taps, m_hi, index


def _decompose(op) -> None:
    x = op.operands[0]
    w = const_value(defining_op(op.operands[1]))  # [C_out, kh, kw, C_in]
    bias = np.broadcast_to(const_value(defining_op(op.operands[2])).reshape(-1), (w.shape[0],))
    n, ih, iw, c_in = x.type.shape
    _, oh, ow, c_out = op.results[0].type.shape
    sy, sx = int_array(op, "stride")
    top, _, left, _ = int_array(op, "out_pad")
    (ly, pad_y, iy), (lx, pad_x, ix) = phase_kernel(w.shape[1], sy, top), phase_kernel(w.shape[2], sx, left)
    qy, qx = -(-oh // sy), -(-ow // sx)

    # [a, b, c_out, jy, jx, c_in], zero where a phase has no tap
    wc = np.zeros((sy, sx, c_out, ly, lx, c_in), np.float32)
    for a in range(sy):
        for b in range(sx):
            for jy in np.flatnonzero(iy[a] >= 0):
                for jx in np.flatnonzero(ix[b] >= 0):
                    wc[a, b, :, jy, jx, :] = w[:, iy[a, jy], ix[b, jx], :]
    wc = wc.reshape(sy * sx * c_out, ly, lx, c_in)

    f32 = ir.F32Type.get()
    loc, ip = op.location, ir.InsertionPoint(op)

    def const(array):
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(array, np.float32))
        return tosa.ConstOp(attr, loc=loc, ip=ip).result

    def shape(values):
        return tosa.ConstShapeOp(ir.Type.parse(f"!tosa.shape<{len(values)}>"), [int(v) for v in values],
                                 loc=loc, ip=ip).result

    def tensor(dims):
        return ir.RankedTensorType.get([int(d) for d in dims], f32)

    # Trailing input rows the correlation never reads are cropped (convc-lower-to-engines
    # turns an origin crop into negative padding); otherwise they are zero padding.
    pad_after = [(q - 1) - pad + (taps - 1) - (size - 1)
                 for q, pad, taps, size in ((qy, pad_y, ly, ih), (qx, pad_x, lx, iw))]
    if min(pad_after) < 0:
        keep = [n, ih + min(pad_after[0], 0), iw + min(pad_after[1], 0), c_in]
        x = tosa.SliceOp(tensor(keep), x, shape([0, 0, 0, 0]), shape(keep), loc=loc, ip=ip).result
        pad_after = [max(v, 0) for v in pad_after]
    conv = tosa.Conv2DOp(tensor([n, qy, qx, sy * sx * c_out]), x, const(wc), const(np.tile(bias, sy * sx)),
                         op.operands[3], op.operands[4],
                         ir.DenseI64ArrayAttr.get([pad_y, pad_after[0], pad_x, pad_after[1]]),
                         ir.DenseI64ArrayAttr.get([1, 1]), ir.DenseI64ArrayAttr.get([1, 1]),
                         ir.TypeAttr.get(f32), loc=loc, ip=ip).result
    bands = tosa.ReshapeOp(conv, shape([n * qy, qx, sy, sx * c_out]), results=[tensor([n * qy, qx, sy, sx * c_out])],
                           loc=loc, ip=ip).result
    rows = tosa.TransposeOp(tensor([n * qy, sy, qx, sx * c_out]), bands, [0, 2, 1, 3], loc=loc, ip=ip).result
    full = [n, qy * sy, qx * sx, c_out]
    y = tosa.ReshapeOp(rows, shape(full), results=[tensor(full)], loc=loc, ip=ip).result
    if full != [n, oh, ow, c_out]:
        y = tosa.SliceOp(tensor([n, oh, ow, c_out]), y, shape([0, 0, 0, 0]), shape([n, oh, ow, c_out]),
                         loc=loc, ip=ip).result
    op.results[0].replace_all_uses_with(y)
    op.erase()


def run(module_op, ctx) -> None:
    func_op = entry_func(module_op)
    for op in body_ops(func_op):
        # Weights computed at run time stay as they are; lowering then refuses the op by name.
        if op_name(op) == "tosa.transpose_conv2d" and is_constant(op.operands[1]) and is_constant(op.operands[2]):
            _decompose(op)
    erase_dead(func_op)


PASS = Pass("convc-decompose-transpose-conv", run,
            "Transposed convolutions -> one stride-1 conv computing every output phase, reordered into space",
            target_key=no_target)
