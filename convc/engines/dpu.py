"""The DPU, the digital vector unit beside each IMC core.

Each DPU op copies its operands into L1, runs one vector command and copies the result out.
`dpu.reshape` and `dpu.slice` are views (no commands; the memory plan aliases them) and
`dpu.concat` and `dpu.extract` are only strided DMA into (out of) slices of a tensor. The host engine (engines/host.py)
runs the same commands under its own opcodes, so the emission here is parameterised by the
opcode prefix.
"""

from math import prod

import numpy as np

from convc.dialects import is_view
from convc.engines.base import Engine, l1_bytes, rows_read
from convc.engines.dpu_lowerings import LOWERINGS
from convc.frontend.tosa_eval import const_value
from convc.ir.attrs import get_array, get_int, numel, tensor_shape
from convc.ir.schema import BAND_ROWS, ELEMENTS
from convc.ir.util import is_constant
from convc.runtime.builder import requant_params
from convc.runtime.stream import COUNT_INCLUDE_PAD, RESIZE_BILINEAR, Op

# The vector operation (the target's `dpu.ops` name) each op's commands use.
KERNELS = {"dpu.dwconv2d": ("dwconv", "requant"), "dpu.add": ("add",), "dpu.mul": ("mul",),
           "dpu.maxpool": ("maxpool",), "dpu.avgpool": ("avgpool",), "dpu.rescale": ("rescale",), "dpu.lut": ("lut",),
           "dpu.resize": ("resize",), "dpu.softmax": ("softmax",), "dpu.log_softmax": ("log_softmax",), "dpu.layernorm": ("layernorm",),
           "dpu.batch_matmul": ("batch_matmul",),
           "dpu.transpose": ("transpose",), "dpu.reshape": (), "dpu.slice": (), "dpu.concat": (),
           "dpu.extract": ()}

# Ops over rows that read an int32 table (the exponential; the log-softmax's logarithm after it).
ROW_TABLE_OPS = ("dpu.softmax", "dpu.log_softmax")


def _images(op):
    """(batch, input bytes per image, output elements per image) of a windowed op: its
    commands see one NHWC image each."""
    n, h, w, c = tensor_shape(op.operands[0])
    _, out_h, out_w, _ = tensor_shape(op.output)
    return n, h * w * c, out_h * out_w * c


def _window(op):
    """Shared fields of the windowed DPU commands (pooling, depthwise convolution)."""
    _, h, w, c = tensor_shape(op.operands[0])
    _, out_h, out_w, _ = tensor_shape(op.output)
    kernel = get_array(op, "kernel") if "kernel" in op.operation.attributes else tensor_shape(op.operands[1])[:2]
    sh, sw = get_array(op, "stride")
    pad = get_array(op, "pad")
    return dict(h=h, w=w, c=c, kh=kernel[0], kw=kernel[1], stride_h=sh, stride_w=sw,
                pad_top=pad[0], pad_left=pad[2], out_h=out_h, out_w=out_w)


WINDOWED = ("dpu.maxpool", "dpu.avgpool", "dpu.dwconv2d")  # can run in bands of output rows
FLAT = ("dpu.add", "dpu.mul", "dpu.rescale", "dpu.lut")  # can run in chunks of elements


def _rows_read(op, out_rows):
    f = _window(op)
    return rows_read(out_rows, f["stride_h"], f["kh"],
                     get_array(op, "dilation")[0] if "dilation" in op.operation.attributes else 1)


LAYOUT_PERMS = ([0, 2, 3, 1], [0, 3, 1, 2])  # NCHW -> NHWC and back: banded over H


def _layout_h(op):
    """H of a layout transpose: input axis 2 of NCHW -> NHWC, axis 1 of NHWC -> NCHW."""
    shape = tensor_shape(op.input)
    return shape[2] if get_array(op, "perms") == [0, 2, 3, 1] else shape[1]


def _fits(buffers, room):
    return l1_bytes(buffers) <= room


def layernorm_params(op) -> bytes:
    """DPU_LAYERNORM's params blob: eps_term (int64), then the gains and offsets (int32 each)."""
    gains, offsets = (const_value(v.owner).astype("<i4") for v in (op.operands[1], op.operands[2]))
    return np.int64(get_int(op, "eps_term")).astype("<i8").tobytes() + gains.tobytes() + offsets.tobytes()


def _clamp(op):
    return dict(out_zp=get_int(op, "out_zp"), clamp_min=get_int(op, "clamp_min"), clamp_max=get_int(op, "clamp_max"))


class DpuEngine(Engine):
    kind = "dpu"
    ops = tuple(KERNELS)
    lowerings = LOWERINGS
    prefix = "DPU_"  # opcode names: DPU_ADD, ...

    def sample_axis(self, op, operand_axes):
        """Ops that compute each sample on its own: windowed and element-wise ops on NHWC maps
        (samples on axis 0), row-wise ops whose rows are not the samples, layout transposes
        (the axis moves), reshapes that keep the samples' bytes contiguous, and slices and
        concats along another axis. Not: a broadcast operand without the samples, a matrix
        product of two activations, strided extracts."""
        name = op.operation.name
        axes = [a for a in operand_axes if a is not None]
        if not axes or len(set(axes)) != 1 or name in ("dpu.batch_matmul", "dpu.extract", "dpu.resize"):
            return None
        axis = axes[0]
        in_shape, out_shape = tensor_shape(op.operands[0]), tensor_shape(op.output)
        acts = [v for v, a in zip(op.operands, operand_axes) if a is not None]
        if any(tensor_shape(v)[axis] != in_shape[axis] for v in acts):
            return None
        if name in WINDOWED:
            return 0 if axis == 0 else None
        if name in FLAT:
            return axis if all(tensor_shape(v) == out_shape for v in acts) else None
        if name in ROW_TABLE_OPS + ("dpu.layernorm",):
            return axis if axis < len(in_shape) - 1 else None
        if name == "dpu.transpose":
            return list(get_array(op, "perms")).index(axis)
        if name in ("dpu.slice", "dpu.concat"):
            return axis if get_int(op, "axis") != axis else None
        if name == "dpu.reshape":  # the samples stay contiguous blocks: same size, nothing before
            before = prod(in_shape[:axis])
            return next((k for k in range(len(out_shape))
                         if prod(out_shape[:k]) == before and out_shape[k] == in_shape[axis]), None)
        return None

    def opcode(self, name: str):
        return getattr(Op, self.prefix + name)

    def refusal(self, op, target, core):
        missing = [k for k in KERNELS[op.operation.name] if k not in target.engines(core)["dpu"].ops]
        return f"its DPU lacks {', '.join(missing)}" if missing else None

    def constants(self, op):
        name = op.operation.name
        if name == "dpu.dwconv2d":
            bias = const_value(op.operands[2].owner)
            return {"weights": const_value(op.operands[1].owner).astype(np.int8).tobytes(),
                    "params": requant_params(bias, get_array(op, "mult"), get_array(op, "shift"))}
        if name == "dpu.lut":
            return {"table": const_value(op.operands[1].owner).astype(np.int8).tobytes()}
        if name in ROW_TABLE_OPS:
            return {"table": const_value(op.operands[1].owner).astype("<i4").tobytes()}
        if name == "dpu.layernorm":
            return {"params": layernorm_params(op)}
        if name == "dpu.concat":  # a constant part (a class token) is copied from its blob
            return {side: const_value(v.owner).astype(np.int8).tobytes()
                    for side, v in (("lhs", op.lhs), ("rhs", op.rhs)) if is_constant(v)}
        if name in ("dpu.add", "dpu.mul") and is_constant(op.operands[1]):
            return {"rhs": const_value(op.operands[1].owner).astype(np.int8).tobytes()}
        return {}

    def l1_buffers(self, op, target, core, m_block=None, band_rows=None):
        name = op.operation.name
        if is_view(op) or name in ("dpu.concat", "dpu.extract"):
            return []
        band_rows = band_rows or BAND_ROWS.get(op)
        chunk = m_block or ELEMENTS.get(op)
        if name in FLAT and chunk:  # element-wise, `chunk` elements at a time
            bufs = [("input", chunk)]
            if name in ("dpu.add", "dpu.mul"):
                b_len = numel(op.operands[1])
                bufs.append(("rhs", chunk if b_len == numel(op.output) else b_len))
            if name == "dpu.lut":
                bufs.append(("table", 256))
            return bufs + [("output", chunk)]
        if band_rows and name == "dpu.transpose":  # a layout change in bands of H (spatial tiling)
            n, a, b, c = tensor_shape(op.input)
            rows_elems = band_rows * numel(op.input) // (n * _layout_h(op))
            return [("input", rows_elems), ("output", rows_elems)]
        if band_rows:  # a windowed op in bands of output rows (spatial tiling)
            f = _window(op)
            in_bytes = min(f["h"], _rows_read(op, band_rows)) * f["w"] * f["c"]
            out_elems = band_rows * f["out_w"] * f["c"]
        else:
            in_bytes, out_elems = numel(op.operands[0]), numel(op.output)
        bufs = [("input", in_bytes)]
        if name == "dpu.dwconv2d":
            c = tensor_shape(op.output)[3]
            bufs += [("weights", numel(op.operands[1])), ("params", 12 * c), ("acc", 4 * out_elems)]
        if name in ("dpu.add", "dpu.mul"):
            bufs.append(("rhs", numel(op.operands[1])))
        if name == "dpu.lut":
            bufs.append(("table", 256))
        if name in ROW_TABLE_OPS:
            bufs.append(("table", 4 * numel(op.operands[1])))
        if name == "dpu.layernorm":
            bufs.append(("params", 8 + 8 * tensor_shape(op.input)[-1]))
        if name == "dpu.batch_matmul":
            bufs.append(("rhs", numel(op.rhs)))
        return bufs + [("output", out_elems)]

    def tile(self, op, target, core, room, wanted=None):
        """Windowed ops whose maps do not fit L1 run in bands of output rows (the most that
        fit); other ops must fit whole (convc-plan-memory refuses them by node)."""
        BAND_ROWS.delete(op)
        ELEMENTS.delete(op)
        if _fits(self.l1_buffers(op, target, core), room):
            return None
        if op.operation.name in FLAT:
            return self._fit_chunks(op, target, core, room)
        if op.operation.name == "dpu.transpose" and get_array(op, "perms") in LAYOUT_PERMS:
            band = _layout_h(op)
            while band > 1 and not _fits(self.l1_buffers(op, target, core, band_rows=band), room):
                band = (band + 1) // 2
            BAND_ROWS.set(op, band)
            return None
        if op.operation.name not in WINDOWED:
            return None
        # Bands are per image: a batch that does not fit whole may still fit one image at a time.
        band = _window(op)["out_h"]
        while band > 1 and not _fits(self.l1_buffers(op, target, core, band_rows=band), room):
            band = (band + 1) // 2
        BAND_ROWS.set(op, band)
        return None

    def emit(self, op, em):
        name = op.operation.name
        if is_view(op):
            return
        if BAND_ROWS.has(op):
            return self._emit_layout_bands(op, em) if name == "dpu.transpose" else self._emit_bands(op, em)
        if ELEMENTS.has(op):
            return self._emit_chunks(op, em)
        if name == "dpu.concat":
            return self._concat(op, em)
        if name == "dpu.extract":
            return self._extract(op, em)
        em.copy(em.addr(op.operands[0]), em.l1("input"), numel(op.operands[0]))
        getattr(self, "_" + name.split(".")[1])(op, em)
        em.copy(em.l1("output"), em.addr(op.output), numel(op.output))

    def _fit_chunks(self, op, target, core, room):
        n = numel(op.output)
        b_len = numel(op.operands[1]) if op.operation.name in ("dpu.add", "dpu.mul") else n
        unit = b_len if b_len != n else 1  # a broadcast rhs repeats every b_len elements
        chunk = n
        while chunk > unit and not _fits(self.l1_buffers(op, target, core, m_block=chunk), room):
            chunk = max(unit, (chunk // 2) // unit * unit)
        if chunk < n:
            ELEMENTS.set(op, chunk)
        return None

    def _emit_layout_bands(self, op, em):
        """NCHW <-> NHWC `band` rows of H at a time: a strided DMA gathers (or scatters) the
        band's rows of every channel plane, the DPU transposes the band in L1."""
        n, h, band = tensor_shape(op.input)[0], _layout_h(op), BAND_ROWS.get(op)
        to_nhwc = get_array(op, "perms") == [0, 2, 3, 1]
        c, w = (tensor_shape(op.input)[1], tensor_shape(op.input)[3]) if to_nhwc else tensor_shape(op.input)[3:0:-2]
        image = c * h * w
        for i in range(n):
            for h0 in range(0, h, band):
                rows = min(band, h - h0)
                planes = dict(rows=c, row_bytes=rows * w)  # the band's rows of each channel plane
                if to_nhwc:
                    em.cmd(Op.DMA, src=em.addr(op.input) + i * image + h0 * w, dst=em.l1("input"),
                           src_stride=h * w, dst_stride=rows * w, **planes)
                    dims, perm = (c, rows, w), (1, 2, 0)
                else:
                    em.copy(em.addr(op.input) + i * image + h0 * w * c, em.l1("input"), rows * w * c)
                    dims, perm = (rows, w, c), (2, 0, 1)
                em.cmd(self.opcode("TRANSPOSE"), in_addr=em.l1("input"), out_addr=em.l1("output"), rank=3,
                       d0=dims[0], d1=dims[1], d2=dims[2], d3=1, p0=perm[0], p1=perm[1], p2=perm[2], p3=3)
                if to_nhwc:
                    em.copy(em.l1("output"), em.addr(op.output) + i * image + h0 * w * c, rows * w * c)
                else:
                    em.cmd(Op.DMA, src=em.l1("output"), dst=em.addr(op.output) + i * image + h0 * w,
                           src_stride=rows * w, dst_stride=h * w, **planes)

    def _emit_bands(self, op, em):
        """Per image and band of output rows: the input rows its windows read → L1 (the rows
        above and below the band that lie inside the image are never read), the command on
        the band alone, its output rows → L2."""
        f = _window(op)
        batch, in_bytes, out_elems = _images(op)
        name = op.operation.name.split(".")[1]
        if name == "dwconv2d":
            em.copy(em.const("weights"), em.l1("weights"), numel(op.operands[1]))
            em.copy(em.const("params"), em.l1("params"), 12 * f["c"])
        row_in, row_out = f["w"] * f["c"], f["out_w"] * f["c"]
        band = BAND_ROWS.get(op)
        for image in range(batch):
            for oy0 in range(0, f["out_h"], band):
                rows = min(band, f["out_h"] - oy0)
                first = oy0 * f["stride_h"] - f["pad_top"]
                lo, hi = max(0, first), min(f["h"], first + _rows_read(op, rows))
                if hi > lo:
                    em.copy(em.addr(op.operands[0]) + image * in_bytes + lo * row_in, em.l1("input"), (hi - lo) * row_in)
                geometry = dict(f, h=max(hi - lo, 0), pad_top=lo - first, out_h=rows)
                self._band_command(op, em, name, geometry)
                em.copy(em.l1("output"), em.addr(op.output) + image * out_elems + oy0 * row_out, rows * row_out)

    def _band_command(self, op, em, name, f):
        if name == "maxpool":
            em.cmd(self.opcode("MAXPOOL"), in_addr=em.l1("input"), **f, out_addr=em.l1("output"))
        elif name == "avgpool":
            em.cmd(self.opcode("AVGPOOL"), flags=COUNT_INCLUDE_PAD if get_int(op, "count_include_pad") else 0,
                   in_addr=em.l1("input"), **f, out_addr=em.l1("output"), in_zp=get_int(op, "in_zp"),
                   mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))
        else:
            dil_h, dil_w = get_array(op, "dilation")
            em.cmd(self.opcode("DWCONV"), in_addr=em.l1("input"), **f, dil_h=dil_h, dil_w=dil_w,
                   in_zp=get_int(op, "in_zp"), w_addr=em.l1("weights"), out_addr=em.l1("acc"))
            em.cmd(self.opcode("REQUANT"), in_addr=em.l1("acc"), in_stride=4 * f["c"], out_addr=em.l1("output"),
                   out_stride=f["c"], m=f["out_h"] * f["out_w"], c=f["c"], params_addr=em.l1("params"), **_clamp(op))

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
        batch, in_bytes, out_elems = _images(op)
        for i in range(batch):
            em.cmd(self.opcode("DWCONV"), in_addr=em.l1("input") + i * in_bytes, **w, dil_h=dil_h, dil_w=dil_w,
                   in_zp=get_int(op, "in_zp"), w_addr=em.l1("weights"), out_addr=em.l1("acc") + 4 * i * out_elems)
        em.cmd(self.opcode("REQUANT"), in_addr=em.l1("acc"), in_stride=4 * c, out_addr=em.l1("output"),
               out_stride=c, m=batch * w["out_h"] * w["out_w"], c=c, params_addr=em.l1("params"), **_clamp(op))

    def _add(self, op, em):
        self._flat_command(op, em, "add", em.l1("input"), em.l1("output"), numel(op.output), self._operand_b(op, em))

    def _mul(self, op, em):
        self._flat_command(op, em, "mul", em.l1("input"), em.l1("output"), numel(op.output), self._operand_b(op, em))

    def _flat_command(self, op, em, name, a, out, n, b_len=0):
        """The command of an element-wise op on n elements at `a` (its rhs at l1 `rhs`)."""
        if name == "add":
            em.cmd(self.opcode("ADD"), a_addr=a, b_addr=em.l1("rhs"), out_addr=out, n=n, b_len=b_len,
                   a_zp=get_int(op, "lhs_zp"), a_mult=get_int(op, "lhs_mult"), b_zp=get_int(op, "rhs_zp"),
                   b_mult=get_int(op, "rhs_mult"), shift=get_int(op, "shift"), **_clamp(op))
        elif name == "mul":
            em.cmd(self.opcode("MUL"), a_addr=a, b_addr=em.l1("rhs"), out_addr=out, n=n, b_len=b_len,
                   a_zp=get_int(op, "lhs_zp"), b_zp=get_int(op, "rhs_zp"), mult=get_int(op, "mult"),
                   shift=get_int(op, "shift"), **_clamp(op))
        elif name == "rescale":
            em.cmd(self.opcode("RESCALE"), in_addr=a, out_addr=out, n=n, in_zp=get_int(op, "in_zp"),
                   mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))
        else:
            em.cmd(self.opcode("LUT"), in_addr=a, table_addr=em.l1("table"), out_addr=out, n=n)

    def _emit_chunks(self, op, em):
        """An element-wise op too big for L1, `chunk` elements at a time. A full-size rhs is
        chunked alongside; a broadcast rhs stays whole in L1 and chunks are multiples of it."""
        name, n, chunk = op.operation.name.split(".")[1], numel(op.output), ELEMENTS.get(op)
        rhs = op.operands[1] if name in ("add", "mul") else None
        b_len = numel(rhs) if rhs is not None else 0
        rhs_src = (em.const("rhs") if is_constant(rhs) else em.addr(rhs)) if rhs is not None else None
        if rhs is not None and b_len != n:
            em.copy(rhs_src, em.l1("rhs"), b_len)
        if name == "lut":
            em.copy(em.const("table"), em.l1("table"), 256)
        for off in range(0, n, chunk):
            size = min(chunk, n - off)
            em.copy(em.addr(op.operands[0]) + off, em.l1("input"), size)
            if rhs is not None and b_len == n:
                em.copy(rhs_src + off, em.l1("rhs"), size)
            self._flat_command(op, em, name, em.l1("input"), em.l1("output"), size, size if b_len == n else b_len)
            em.copy(em.l1("output"), em.addr(op.output) + off, size)

    def _maxpool(self, op, em):
        batch, in_bytes, out_elems = _images(op)
        for i in range(batch):
            em.cmd(self.opcode("MAXPOOL"), in_addr=em.l1("input") + i * in_bytes, **_window(op),
                   out_addr=em.l1("output") + i * out_elems)

    def _avgpool(self, op, em):
        batch, in_bytes, out_elems = _images(op)
        for i in range(batch):
            em.cmd(self.opcode("AVGPOOL"), flags=COUNT_INCLUDE_PAD if get_int(op, "count_include_pad") else 0,
                   in_addr=em.l1("input") + i * in_bytes, **_window(op), out_addr=em.l1("output") + i * out_elems,
                   in_zp=get_int(op, "in_zp"), mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _resize(self, op, em):
        n, h, w, c = tensor_shape(op.input)
        _, out_h, out_w, _ = tensor_shape(op.output)
        batch, in_bytes, out_elems = _images(op)
        (yn, yd, xn, xd), (oy, ox) = get_array(op, "scale"), get_array(op, "offset")
        for i in range(batch):
            em.cmd(self.opcode("RESIZE"), flags=RESIZE_BILINEAR if get_int(op, "bilinear") else 0,
                   in_addr=em.l1("input") + i * in_bytes, h=h, w=w, c=c, out_h=out_h, out_w=out_w,
                   scale_y_n=yn, scale_y_d=yd, scale_x_n=xn, scale_x_d=xd, offset_y=oy, offset_x=ox,
                   out_addr=em.l1("output") + i * out_elems, in_zp=get_int(op, "in_zp"),
                   mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _rescale(self, op, em):
        self._flat_command(op, em, "rescale", em.l1("input"), em.l1("output"), numel(op.output))

    def _lut(self, op, em):
        em.copy(em.const("table"), em.l1("table"), 256)
        self._flat_command(op, em, "lut", em.l1("input"), em.l1("output"), numel(op.output))

    def _softmax(self, op, em):
        self._row_table_command(op, em, "SOFTMAX")

    def _log_softmax(self, op, em):
        self._row_table_command(op, em, "LOG_SOFTMAX", step=get_int(op, "step"))

    def _row_table_command(self, op, em, opcode, **fields):
        table = 4 * numel(op.operands[1])
        em.copy(em.const("table"), em.l1("table"), table)
        shape = tensor_shape(op.input)
        em.cmd(self.opcode(opcode), in_addr=em.l1("input"), table_addr=em.l1("table"), out_addr=em.l1("output"),
               rows=numel(op.input) // shape[-1], len=shape[-1], **fields, mult=get_int(op, "mult"),
               shift=get_int(op, "shift"), **_clamp(op))

    def _batch_matmul(self, op, em):
        em.copy(em.addr(op.rhs), em.l1("rhs"), numel(op.rhs))
        batch, m, k = tensor_shape(op.lhs)
        em.cmd(self.opcode("BATCH_MATMUL"), a_addr=em.l1("input"), b_addr=em.l1("rhs"), out_addr=em.l1("output"),
               batch=batch, m=m, k=k, n=tensor_shape(op.rhs)[2], a_zp=get_int(op, "lhs_zp"),
               b_zp=get_int(op, "rhs_zp"), mult=get_int(op, "mult"), shift=get_int(op, "shift"), **_clamp(op))

    def _layernorm(self, op, em):
        n = tensor_shape(op.input)[-1]
        em.copy(em.const("params"), em.l1("params"), 8 + 8 * n)
        em.cmd(self.opcode("LAYERNORM"), in_addr=em.l1("input"), params_addr=em.l1("params"),
               out_addr=em.l1("output"), rows=numel(op.input) // n, len=n, in_zp=get_int(op, "in_zp"),
               shift=get_int(op, "shift"), sqrt_shift=get_int(op, "sqrt_shift"), **_clamp(op))

    def _transpose(self, op, em):
        dims = tensor_shape(op.input) + [1] * (4 - len(tensor_shape(op.input)))
        perms = get_array(op, "perms")
        perms = perms + list(range(len(perms), 4))
        em.cmd(self.opcode("TRANSPOSE"), in_addr=em.l1("input"), out_addr=em.l1("output"),
               rank=len(tensor_shape(op.input)), d0=dims[0], d1=dims[1], d2=dims[2], d3=dims[3],
               p0=perms[0], p1=perms[1], p2=perms[2], p3=perms[3])

    def _concat(self, op, em):
        """Each input lands in its slice of the result with one 2-D DMA (row = all dims after axis)."""
        axis = get_int(op, "axis")
        out_shape = tensor_shape(op.output)
        rows = int(np.prod(out_shape[:axis]))
        inner = int(np.prod(out_shape[axis + 1:]))
        offset = 0
        for side, v in (("lhs", op.lhs), ("rhs", op.rhs)):
            width = tensor_shape(v)[axis] * inner
            em.cmd(Op.DMA, src=em.const(side) if is_constant(v) else em.addr(v), dst=em.addr(op.output) + offset, rows=rows, row_bytes=width,
                   src_stride=width, dst_stride=out_shape[axis] * inner)
            offset += width

    def _extract(self, op, em):
        """One 2-D DMA: each row (all dims after axis) takes its window of `width` entries."""
        axis, start = get_int(op, "axis"), get_int(op, "start")
        in_shape, out_shape = tensor_shape(op.input), tensor_shape(op.output)
        rows = int(np.prod(in_shape[:axis]))
        inner = int(np.prod(in_shape[axis + 1:]))
        width = out_shape[axis] * inner
        em.cmd(Op.DMA, src=em.addr(op.input) + start * inner, dst=em.addr(op.output), rows=rows, row_bytes=width,
               src_stride=in_shape[axis] * inner, dst_stride=width)
