"""The DPU, the digital vector unit beside each IMC core.

Each DPU op copies its operands into L1, runs one DPU command and copies the result out.
`dpu.reshape` and `dpu.slice` are views (no commands; the memory plan aliases them) and
`dpu.concat` is only strided DMA into slices of its result.
"""

import math

import numpy as np

from convc.engines.base import Cost, Engine, dma_cycles
from convc.frontend.tosa_eval import const_value
from convc.ir.util import is_constant
from convc.ir.attrs import get_array, get_int, numel, tensor_shape
from convc.runtime.builder import requant_params
from convc.runtime.stream import Op
from convc.dialects import is_view

COUNT_INCLUDE_PAD = 1


def _window(op):
    """Shared fields of the windowed DPU commands (pooling, depthwise convolution)."""
    _, h, w, c = tensor_shape(op.operands[0])
    _, out_h, out_w, _ = tensor_shape(op.output)
    kernel = get_array(op, "kernel") if "kernel" in op.operation.attributes else tensor_shape(op.operands[1])[:2]
    sh, sw = get_array(op, "stride")
    pad = get_array(op, "pad")
    return dict(h=h, w=w, c=c, kh=kernel[0], kw=kernel[1], stride_h=sh, stride_w=sw,
                pad_top=pad[0], pad_left=pad[2], out_h=out_h, out_w=out_w)


def _clamp(op):
    return dict(out_zp=get_int(op, "out_zp"), clamp_min=get_int(op, "clamp_min"), clamp_max=get_int(op, "clamp_max"))


class DpuEngine(Engine):
    kind = "dpu"
    ops = ("dpu.dwconv2d", "dpu.add", "dpu.mul", "dpu.maxpool", "dpu.avgpool", "dpu.transpose",
           "dpu.rescale", "dpu.reshape", "dpu.slice", "dpu.concat")

    def constants(self, op):
        name = op.operation.name
        if name == "dpu.dwconv2d":
            bias = const_value(op.operands[2].owner)
            return {"weights": const_value(op.operands[1].owner).astype(np.int8).tobytes(),
                    "params": requant_params(bias, get_array(op, "mult"), get_array(op, "shift"))}
        if name in ("dpu.add", "dpu.mul") and is_constant(op.operands[1]):
            return {"rhs": const_value(op.operands[1].owner).astype(np.int8).tobytes()}
        return {}

    def l1_buffers(self, op, target, m_block=None):
        name = op.operation.name
        if is_view(op) or name == "dpu.concat":
            return []
        bufs = [("input", numel(op.operands[0]))]
        if name == "dpu.dwconv2d":
            c = tensor_shape(op.output)[3]
            bufs += [("weights", numel(op.operands[1])), ("params", 12 * c), ("acc", 4 * numel(op.output))]
        if name in ("dpu.add", "dpu.mul"):
            bufs.append(("rhs", numel(op.operands[1])))
        return bufs + [("output", numel(op.output))]

    def cost(self, op, target):
        name = op.operation.name
        if is_view(op):
            return Cost(0, 0, 0)
        out = numel(op.output)
        if name == "dpu.concat":
            return Cost(0, 0, dma_cycles(target, out, "l2"))
        window = 1
        if name in ("dpu.maxpool", "dpu.avgpool", "dpu.dwconv2d"):
            w = _window(op)
            window = w["kh"] * w["kw"]
        compute = math.ceil(out * window / target.dpu.lanes) + (math.ceil(out / target.dpu.lanes) if name == "dpu.dwconv2d" else 0)
        moved = sum(numel(v) for v in op.operands)
        return Cost(0, compute, dma_cycles(target, moved, "l2", "l1") + dma_cycles(target, out, "l1", "l2"))

    def emit(self, op, em):
        name = op.operation.name
        if is_view(op):
            return
        if name == "dpu.concat":
            return self._concat(op, em)
        em.copy(em.addr(op.operands[0]), em.l1("input"), numel(op.operands[0]))
        getattr(self, "_" + name.split(".")[1])(op, em)
        em.copy(em.l1("output"), em.addr(op.output), numel(op.output))

    def _operand_b(self, op, em):
        rhs = op.operands[1]
        src = em.const("rhs") if is_constant(rhs) else em.addr(rhs)
        em.copy(src, em.l1("rhs"), numel(rhs))
        return numel(rhs)

    def _dwconv2d(self, op, em):
        w = _window(op)
        c = w["c"]
        em.copy(em.const("weights"), em.l1("weights"), numel(op.operands[1]))
        em.copy(em.const("params"), em.l1("params"), 12 * c)
        dil_h, dil_w = get_array(op, "dilation")
        em.cmd(Op.DPU_DWCONV, in_addr=em.l1("input"), **w, dil_h=dil_h, dil_w=dil_w,
               in_zp=get_int(op, "in_zp"), w_addr=em.l1("weights"), out_addr=em.l1("acc"))
        em.cmd(Op.DPU_REQUANT, in_addr=em.l1("acc"), in_stride=4 * c, out_addr=em.l1("output"), out_stride=c,
               m=w["out_h"] * w["out_w"], c=c, params_addr=em.l1("params"), **_clamp(op))

    def _add(self, op, em):
        b_len = self._operand_b(op, em)
        em.cmd(Op.DPU_ADD, a_addr=em.l1("input"), b_addr=em.l1("rhs"), out_addr=em.l1("output"),
               n=numel(op.output), b_len=b_len, a_zp=get_int(op, "lhs_zp"), a_mult=get_int(op, "lhs_mult"),
               b_zp=get_int(op, "rhs_zp"), b_mult=get_int(op, "rhs_mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _mul(self, op, em):
        b_len = self._operand_b(op, em)
        em.cmd(Op.DPU_MUL, a_addr=em.l1("input"), b_addr=em.l1("rhs"), out_addr=em.l1("output"),
               n=numel(op.output), b_len=b_len, a_zp=get_int(op, "lhs_zp"), b_zp=get_int(op, "rhs_zp"),
               mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _maxpool(self, op, em):
        em.cmd(Op.DPU_MAXPOOL, in_addr=em.l1("input"), **_window(op), out_addr=em.l1("output"))

    def _avgpool(self, op, em):
        em.cmd(Op.DPU_AVGPOOL, flags=COUNT_INCLUDE_PAD if get_int(op, "count_include_pad") else 0,
               in_addr=em.l1("input"), **_window(op), out_addr=em.l1("output"), in_zp=get_int(op, "in_zp"),
               mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _rescale(self, op, em):
        em.cmd(Op.DPU_RESCALE, in_addr=em.l1("input"), out_addr=em.l1("output"), n=numel(op.output),
               in_zp=get_int(op, "in_zp"), mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _transpose(self, op, em):
        dims = tensor_shape(op.input) + [1] * (4 - len(tensor_shape(op.input)))
        perms = get_array(op, "perms")
        perms = perms + list(range(len(perms), 4))
        em.cmd(Op.DPU_TRANSPOSE, in_addr=em.l1("input"), out_addr=em.l1("output"), rank=len(tensor_shape(op.input)),
               d0=dims[0], d1=dims[1], d2=dims[2], d3=dims[3], p0=perms[0], p1=perms[1], p2=perms[2], p3=perms[3])

    def _concat(self, op, em):
        """Each input lands in its slice of the result with one 2-D DMA (row = all dims after axis)."""
        axis = get_int(op, "axis")
        out_shape = tensor_shape(op.output)
        rows = int(np.prod(out_shape[:axis]))
        inner = int(np.prod(out_shape[axis + 1:]))
        offset = 0
        for v in op.inputs:
            width = tensor_shape(v)[axis] * inner
            em.cmd(Op.DMA, src=em.addr(v), dst=em.addr(op.output) + offset, rows=rows, row_bytes=width,
                   src_stride=width, dst_stride=out_shape[axis] * inner)
            offset += width
