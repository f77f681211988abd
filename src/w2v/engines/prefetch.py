"""Cache hints for numba kernels: start loading a matrix row (or an item) before it is read.

The kernels read rows scattered over matrices larger than the caches (a center's output rows
and negatives, a Huffman path, an approximate index's candidates). Each read of such a row
waits for memory; asking for the next rows while the current one is computed overlaps those
waits. The hint never changes a result.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to start loading ``matrix[row, :]`` into the cache (``llvm.prefetch``).

    A hint, no effect on results: one prefetch per 64-byte line of the (C-contiguous) row.
    """

    def codegen(context, builder, signature, args):
        aryty, rowty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        shape = cgutils.unpack_tuple(builder, ary.shape)
        row_index = context.cast(builder, args[1], rowty, types.intp)
        zero = context.get_constant(types.intp, 0)
        ptr = cgutils.get_item_pointer2(context, builder, data=ary.data, shape=shape,
                                        strides=cgutils.unpack_tuple(builder, ary.strides),
                                        layout=aryty.layout, inds=[row_index, zero])
        base = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        n_bytes = builder.mul(shape[1], context.get_constant(types.intp, aryty.dtype.bitwidth // 8))
        step = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, n_bytes, step, intp=zero.type) as (off, _):
            _prefetch(builder, builder.gep(base, [off]))
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@intrinsic
def prefetch_item(typingctx, vector, index):
    """Ask the CPU to start loading the cache line of ``vector[index]`` (a 1-D array).

    A hint, no effect on results (e.g. a candidate's norm, read beside its row).
    """

    def codegen(context, builder, signature, args):
        aryty, indexty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer2(context, builder, data=ary.data,
                                        shape=cgutils.unpack_tuple(builder, ary.shape),
                                        strides=cgutils.unpack_tuple(builder, ary.strides),
                                        layout=aryty.layout,
                                        inds=[context.cast(builder, args[1], indexty,
                                                           types.intp)])
        _prefetch(builder, ptr)
        return context.get_dummy_value()

    return types.void(vector, index), codegen


def _prefetch(builder, pointer) -> None:
    """Emit ``llvm.prefetch`` of the line holding ``pointer``: a read, kept in every cache."""
    i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
    fn = cgutils.get_or_insert_function(
        builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
        "llvm.prefetch.p0i8")
    # (address, read, high temporal locality, data cache)
    builder.call(fn, [builder.bitcast(pointer, i8p), i32(0), i32(3), i32(1)])
