"""Invariant checks shared by imc and dpu ops.

Each check returns an error message or None; an op's `verify_invariants` reports the first
message at the op's location (its ONNX node name), so a broken pass names the layer it broke.
"""

from convc.ir.attrs import element_width, get_array, get_int, tensor_shape
from convc.ir.schema import ARRAY_COLS, ARRAY_ROWS, M_BLOCK, TILE_COLS, TILE_ROWS

INT8_MIN, INT8_MAX = -128, 127


def check_int_tensor(value, width: int, what: str):
    if element_width(value) != width:
        return f"{what} must be a tensor of i{width}"
    return None


def check_zero_point(op, name: str):
    zp = get_int(op, name)
    if not INT8_MIN <= zp <= INT8_MAX:
        return f"{name} {zp} is outside int8"
    return None


def check_clamp(op):
    lo, hi = get_int(op, "clamp_min"), get_int(op, "clamp_max")
    if not INT8_MIN <= lo <= hi <= INT8_MAX:
        return f"clamp [{lo}, {hi}] is not an int8 interval"
    return None


def check_multiplier(mult: int, shift: int, what: str):
    if not -(2**31) < mult < 2**31:
        return f"{what} multiplier {mult} does not fit a signed 32-bit word"
    if not 1 <= shift <= 62:
        return f"{what} shift {shift} is outside [1, 62]"
    return None


def check_requant(op, channels: int):
    """Per-channel requantization (bias add, multiplier, shift, zero point, clamp)."""
    mult, shift = get_array(op, "mult"), get_array(op, "shift")
    if len(mult) != channels or len(shift) != channels:
        return f"expected {channels} per-channel multipliers and shifts, got {len(mult)} and {len(shift)}"
    for m, s in zip(mult, shift):
        if msg := check_multiplier(m, s, "requant"):
            return msg
    return check_zero_point(op, "in_zp") or check_zero_point(op, "out_zp") or check_clamp(op)


def check_tiles(op):
    """Tile attributes, once the tiling pass set them, must fit the target's array."""
    rows, cols = TILE_ROWS.get(op), TILE_COLS.get(op)
    if rows is None:
        return None
    arr_rows, arr_cols = ARRAY_ROWS.get(op), ARRAY_COLS.get(op)
    if rows > arr_rows or cols > arr_cols:
        return f"tile {rows}x{cols} does not fit the {arr_rows}x{arr_cols} array"
    if rows < 1 or cols < 1 or M_BLOCK.get(op, 1) < 1:
        return "tile sizes must be positive"
    return None


def conv_output_hw(in_hw, kernel, stride, pad, dilation):
    """Output height/width of a window op; pad = (top, bottom, left, right) as in TOSA.

    A negative bottom/right pad crops rows the window never reaches (a folded tosa.slice).
    """
    out = []
    for i in range(2):
        extent = in_hw[i] + pad[2 * i] + pad[2 * i + 1] - dilation[i] * (kernel[i] - 1) - 1
        out.append(extent // stride[i] + 1)
    return out


def check_window_shape(op, in_shape, out_shape, kernel, channels_out):
    stride, pad = get_array(op, "stride"), get_array(op, "pad")
    dil = get_array(op, "dilation") if "dilation" in op.operation.attributes else [1, 1]
    if len(in_shape) != 4 or len(out_shape) != 4:
        return "feature maps must be NHWC (rank 4)"
    want = [in_shape[0], *conv_output_hw(in_shape[1:3], kernel, stride, pad, dil), channels_out]
    if list(out_shape) != want:
        return f"result shape {list(out_shape)} does not match the window geometry {want}"
    return None


def first_error(*messages):
    for m in messages:
        if m:
            return m
    return None


def report(op, message) -> bool:
    if message:
        op.location.emit_error(f"'{op.OPERATION_NAME}': {message}")
        return False
    return True


__all__ = ["tensor_shape", "report"]
