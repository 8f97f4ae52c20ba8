"""The host: the SoC's RISC-V core, the engine of last resort.

It runs every DPU and IMC op the compiler has (it has no dialect of its own) with the runtime's
software kernels: the DPU's operations under HOST_* opcodes, and IMC matrix products as
HOST_IM2COL + HOST_MATMUL (the whole int8 weight matrix in L1) + HOST_REQUANT. Results are
bit-identical to the fixed engines; only the price differs (`cycles_per_element` per element
of work in the target file), so the cost model places work here only when nothing else on the
SoC can take it, and the report says so.
"""

import numpy as np

from convc.dialects.imc import dot_product_shape
from convc.engines.dpu import DpuEngine
from convc.engines.imc import fit_row_block, im2col, requant, weight_matrix
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import get_array, numel
from convc.ir.schema import M_BLOCK
from convc.runtime.builder import requant_params
from convc.runtime.stream import Op

MATMULS = ("imc.conv2d", "imc.matmul")


class HostEngine(DpuEngine):
    kind = "host"
    # Every op it has a software kernel for: the DPU's and the matrix products; not the
    # programs of programmable engines (a cgra.kernel is configuration, not a host routine).
    ops = (*DpuEngine.ops, *MATMULS)
    lowerings = {}  # it runs other engines' ops; it lowers nothing itself
    prefix = "HOST_"

    def refusal(self, op, target, core):
        return None  # software runs anything; only L1 (checked by convc-tile) can stop it

    def constants(self, op):
        if op.operation.name not in MATMULS:
            return super().constants(op)
        bias = const_value(op.operands[2].owner)
        return {"weights": weight_matrix(op).astype(np.int8).tobytes(),
                "params": requant_params(bias, get_array(op, "mult"), get_array(op, "shift"))}

    def l1_buffers(self, op, target, core, m_block=None):
        if op.operation.name not in MATMULS:
            return super().l1_buffers(op, target, core, m_block)
        m, k, n = dot_product_shape(op)
        mb = m_block or M_BLOCK.get(op) or m
        bufs = [("input", numel(op.input)), ("weights", k * n), ("params", 12 * n)]
        if op.operation.name == "imc.conv2d":
            bufs.append(("patches", mb * k))
        return bufs + [("acc", 4 * mb * n), ("output", m * n)]

    def tile(self, op, target, core, room, wanted=None):
        if op.operation.name in MATMULS:  # no array: `tile` rules do not apply
            fit_row_block(self, op, target, core, room)
        return None

    def emit(self, op, em):
        if op.operation.name not in MATMULS:
            return super().emit(op, em)
        m, k, n = dot_product_shape(op)
        em.copy(em.const("params"), em.l1("params"), 12 * n)
        em.copy(em.const("weights"), em.l1("weights"), k * n)
        em.copy(em.addr(op.input), em.l1("input"), numel(op.input))
        mb = M_BLOCK.get(op) or m
        for r0 in range(0, m, mb):
            rows = min(mb, m - r0)
            if op.operation.name == "imc.conv2d":
                im2col(op, em, Op.HOST_IM2COL, r0, rows)
                src = em.l1("patches")
            else:
                src = em.l1("input") + r0 * k
            em.cmd(Op.HOST_MATMUL, in_addr=src, in_stride=k, w_addr=em.l1("weights"), out_addr=em.l1("acc"),
                   out_stride=4 * n, m=rows, k=k, n=n)
            requant(op, em, Op.HOST_REQUANT, r0, rows, n)
        em.copy(em.l1("output"), em.addr(op.output), m * n)

    def describe(self, op):
        if op.operation.name in MATMULS:
            m, k, n = dot_product_shape(op)
            return {"mvm_shape": [m, k, n], "m_block": M_BLOCK.get(op)}
        return {}
