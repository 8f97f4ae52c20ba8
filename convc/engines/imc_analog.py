"""The analog flavour of the IMC engine (kind `aimc`): ternary crossbars with DACs and ADCs.

It runs the same dialect ops as the digital arrays (imc.conv2d, imc.matmul), tiled, blocked
and banded the same way (engines/imc.py), with its own commands: AIMC_PROGRAM for a tile's
ternary cells and AIMC_MVM for the input vectors, whose column sums pass a power-of-two gain
and the ADC per row tile (runtime/units/aimc.py, docs/command-stream.md). It takes only
analog layers: ternary weights whose input was quantized into the DACs' codes at lowering
(engines/analog.py); everything else stays on the digital engines. Its ADC gain is chosen on
the calibration inputs (`calibrate`, run by convc-calibrate-engines once the tiles are known).
"""

import numpy as np

from convc.dialects.integer import tile_sums
from convc.engines.analog import ANALOG_WEIGHTS, best_adc_shift
from convc.engines.imc import ImcEngine, tile_shape, weight_matrix
from convc.ir.schema import ADC_RANGE, ADC_SHIFT, DAC_RANGE, WEIGHT_PRECISION
from convc.runtime.stream import ACCUMULATE, Op
from convc.runtime.units.aimc import SIGNED_INPUT


class AnalogImcEngine(ImcEngine):
    kind = "aimc"
    lowerings = {}  # the imc lowering builds analog layers too (engines/imc.py _array_input)
    replicable = False  # one analog array holds a layer's tiles; copies would need as many arrays

    @staticmethod
    def spec(target, core):
        return target.engines(core)["aimc"]

    def refusal(self, op, target, core):
        if WEIGHT_PRECISION.get(op) != ANALOG_WEIGHTS:
            return f"its cells hold ternary weights, not {WEIGHT_PRECISION.get(op, 'int8')}"
        if not DAC_RANGE.has(op):
            return "its input was not quantized into the DACs' codes (not an analog layer)"
        spec = self.spec(target, core)
        lo, hi = DAC_RANGE.get(op)
        if [lo, hi] != list(spec.dac_range(signed=lo < 0)) or ADC_RANGE.get(op) != list(spec.adc_range()):
            return (f"the layer was quantized for DAC codes [{lo}, {hi}] and ADC codes {ADC_RANGE.get(op)}, "
                    f"this core's array has {spec.dac_bits}-bit DACs and {spec.adc_bits}-bit ADCs")
        return super().refusal(op, target, core)

    def precision_problem(self, op, target):
        return None  # refusal() says, per core, why a layer cannot be analog

    def pack_factor(self, op, spec) -> int:
        return 1  # each tile's column sums pass the ADC: packed copies would share its range

    def set_mode(self, op, em):
        pass  # one mode: ternary cells, DAC-width inputs

    def program(self, op, em, rows, cols):
        em.cmd(Op.AIMC_PROGRAM, src=em.l1("weights"), rows=rows, cols=cols)

    def mvm(self, op, em, accumulate, **fields):
        flags = (ACCUMULATE if accumulate else 0) | (SIGNED_INPUT if DAC_RANGE.get(op)[0] < 0 else 0)
        em.cmd(Op.AIMC_MVM, flags=flags, adc_shift=ADC_SHIFT.get(op, 0), **fields)

    def needs_calibration(self, op) -> bool:
        return True

    def calibrate(self, op, samples) -> None:
        """Choose the ADC gain on the layer's integer inputs, one array per calibration sample:
        the shift that changes the row tiles' column sums the least (engines/analog.py)."""
        rows = np.concatenate([op.matrix_rows(args[0]) for args in samples])
        tile_rows = tile_shape(op)[0]
        sums = np.concatenate([s.reshape(-1) for s in tile_sums(rows, weight_matrix(op), tile_rows, DAC_RANGE.get(op))])
        ADC_SHIFT.set(op, best_adc_shift(sums, ADC_RANGE.get(op)))

    def describe(self, op):
        facts = super().describe(op)
        m = facts["mvm_shape"][0]
        return {**facts, "adc_shift": ADC_SHIFT.get(op), "dac_range": DAC_RANGE.get(op),
                "adc_conversions": m * facts["mvm_shape"][2] * facts["row_tiles"]}
