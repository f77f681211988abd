"""A cache hint for numba kernels: start loading a matrix row before it is read.

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
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            "llvm.prefetch.p0i8")
        base = builder.bitcast(ptr, i8p)
        n_bytes = builder.mul(shape[1], context.get_constant(types.intp, aryty.dtype.bitwidth // 8))
        step = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, n_bytes, step, intp=zero.type) as (off, _):
            # (address, read, high temporal locality, data cache)
            builder.call(fn, [builder.gep(base, [off]), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen
