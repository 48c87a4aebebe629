#!/usr/bin/python3
"""Assembles src/preprocess/simd-wasm.ts: a tiny WebAssembly (SIMD128) module for the streaming
kernels where scalar JavaScript loses to numpy's vectorised loops. No toolchain needed: the
binary is written opcode by opcode below (the text form of each function is in its comment).

    /usr/bin/python3 scripts/reference/preprocess/make_simd_wasm.py

Memory layout (bytes): [0, 64) results, [64, ...) scratch buffers chosen by the caller.
Every kernel works on whole 16-byte vectors; the JavaScript side handles the remainder.
"""
import base64
import os
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, '..', '..', '..', 'src', 'preprocess', 'simd-wasm.ts')


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


I32, F32, F64, V128 = 0x7F, 0x7D, 0x7C, 0x7B


def simd(op, *imm):
    return b'\xfd' + uleb(op) + b''.join(imm)


def get(i): return b'\x20' + uleb(i)
def set_(i): return b'\x21' + uleb(i)
def i32c(v): return b'\x41' + sleb(v)
def mem(align=0, offset=0): return uleb(align) + uleb(offset)


V_LOAD, V_STORE, V_CONST, SHUFFLE = 0x00, 0x0B, 0x0C, 0x0D
I32X4_SPLAT, F32X4_SPLAT, F64X2_SPLAT = 0x11, 0x13, 0x14
I32X4_EXTRACT, F64X2_EXTRACT = 0x1B, 0x21
F32X4_EQ = 0x41
V_AND, V_ANDNOT, V_OR = 0x4E, 0x4F, 0x50
DEMOTE, PROMOTE = 0x5E, 0x5F
EXT_LO_U16, EXT_HI_U16 = 0xA9, 0xAA
I32X4_ADD, I32X4_SUB = 0xAE, 0xB1
F32X4_ADD, F32X4_SUB, F32X4_MUL = 0xE4, 0xE5, 0xE6
F64X2_ADD, F64X2_SUB, F64X2_MUL = 0xF0, 0xF1, 0xF2
CONVERT_U = 0xFB
HI_TO_LO = bytes(range(8, 16)) + bytes(range(0, 8))
ZERO = simd(V_CONST, bytes(16))


def counted_loop(ptr_locals, count_local, step_bytes, body):
    """block; loop; body; ptr += step for each; count -= 1; br_if count != 0; end; end.
    The caller guarantees count >= 1."""
    inc = b''.join(get(p) + i32c(step_bytes) + b'\x6a' + set_(p) for p in ptr_locals)
    dec = get(count_local) + i32c(1) + b'\x6b' + b'\x22' + uleb(count_local)  # local.tee
    return b'\x03\x40' + body + inc + dec + b'\x0d\x00' + b'\x0b'


functions = []  # (name, params, results, locals, body)

# stats(ptr i32, n4 i32, k f64): for float32 x, f64 sums of d = x - k and d^2 and the count of
# zeros; stores s1 at [0], s2 at [8] (f64), zeros at [16] (i32).
# locals: 3 x v128, 4 a1 v128, 5 a2 v128, 6 zc v128, 7 kk v128, 8 lo v128, 9 hi v128
body = get(2) + simd(F64X2_SPLAT) + set_(7)
loop = (get(0) + simd(V_LOAD, mem(0)) + set_(3)
        + get(6) + get(3) + ZERO + simd(F32X4_EQ) + simd(I32X4_SUB) + set_(6)
        + get(3) + simd(PROMOTE) + get(7) + simd(F64X2_SUB) + set_(8)
        + get(3) + get(3) + simd(SHUFFLE, HI_TO_LO) + simd(PROMOTE) + get(7) + simd(F64X2_SUB) + set_(9)
        + get(4) + get(8) + get(9) + simd(F64X2_ADD) + simd(F64X2_ADD) + set_(4)
        + get(5) + get(8) + get(8) + simd(F64X2_MUL) + get(9) + get(9) + simd(F64X2_MUL) + simd(F64X2_ADD) + simd(F64X2_ADD) + set_(5))
body += counted_loop([0], 1, 16, loop)
body += i32c(0) + get(4) + simd(F64X2_EXTRACT, b'\x00') + get(4) + simd(F64X2_EXTRACT, b'\x01') + b'\xa0' + b'\x39' + mem(3)
body += i32c(8) + get(5) + simd(F64X2_EXTRACT, b'\x00') + get(5) + simd(F64X2_EXTRACT, b'\x01') + b'\xa0' + b'\x39' + mem(3)
body += (i32c(16) + get(6) + simd(I32X4_EXTRACT, b'\x00') + get(6) + simd(I32X4_EXTRACT, b'\x01') + b'\x6a'
         + get(6) + simd(I32X4_EXTRACT, b'\x02') + b'\x6a' + get(6) + simd(I32X4_EXTRACT, b'\x03') + b'\x6a' + b'\x36' + mem(2))
functions.append(('stats', [I32, I32, F64], [], [V128] * 7, body))

# normalize(src i32, dst i32, n4 i32, mean f32, inv f32, nonzero i32):
# y = (x - mean) * inv, and 0 where x == 0 when nonzero.  locals: 6 mm, 7 ii, 8 nz, 9 x
body = get(3) + simd(F32X4_SPLAT) + set_(6) + get(4) + simd(F32X4_SPLAT) + set_(7)
body += i32c(0) + get(5) + b'\x6b' + simd(I32X4_SPLAT) + set_(8)  # -1 (all ones) when nonzero
loop = (get(1) + get(0) + simd(V_LOAD, mem(0)) + b'\x22' + uleb(9)
        + get(6) + simd(F32X4_SUB) + get(7) + simd(F32X4_MUL)
        + get(9) + ZERO + simd(F32X4_EQ) + get(8) + simd(V_AND) + simd(V_ANDNOT)
        + simd(V_STORE, mem(0)))
body += counted_loop([0, 1], 2, 16, loop)
functions.append(('normalize', [I32, I32, I32, F32, F32, I32], [], [V128] * 4, body))

# axpyF32(dst i32, src i32, n4 i32, w f32, first i32): dst = (first ? 0 : dst) + w * src
# locals: 5 ww, 6 keep (all ones unless first)
body = (get(3) + simd(F32X4_SPLAT) + set_(5)
        + i32c(0) + get(4) + b'\x45' + b'\x6b' + simd(I32X4_SPLAT) + set_(6))  # keep = -(first == 0)
loop = (get(0)
        + get(0) + simd(V_LOAD, mem(0)) + get(6) + simd(V_AND)
        + get(1) + simd(V_LOAD, mem(0)) + get(5) + simd(F32X4_MUL) + simd(F32X4_ADD)
        + simd(V_STORE, mem(0)))
body += counted_loop([0, 1], 2, 16, loop)
functions.append(('axpyF32', [I32, I32, I32, F32, I32], [], [V128] * 2, body))

# axpyU16(dst i32, src i32, n8 i32, w f32, first i32): the same with 8 uint16 per step (two f32x4).
# locals: 5 ww, 6 keep, 7 x
def half(ext, off):
    return (get(0) + get(0) + simd(V_LOAD, mem(0, off)) + get(6) + simd(V_AND)
            + get(7) + simd(ext) + simd(CONVERT_U) + get(5) + simd(F32X4_MUL) + simd(F32X4_ADD)
            + simd(V_STORE, mem(0, off)))


body = (get(3) + simd(F32X4_SPLAT) + set_(5)
        + i32c(0) + get(4) + b'\x45' + b'\x6b' + simd(I32X4_SPLAT) + set_(6))
loop = get(1) + simd(V_LOAD, mem(0)) + set_(7) + half(EXT_LO_U16, 0) + half(EXT_HI_U16, 16)
# dst advances 32 bytes, src 16 per 8 samples.
inc_loop = (b'\x03\x40' + loop
            + get(0) + i32c(32) + b'\x6a' + set_(0) + get(1) + i32c(16) + b'\x6a' + set_(1)
            + get(2) + i32c(1) + b'\x6b' + b'\x22' + uleb(2) + b'\x0d\x00' + b'\x0b')
body += inc_loop
functions.append(('axpyU16', [I32, I32, I32, F32, I32], [], [V128] * 3, body))

# orReduce(ptr i32, n4 i32) -> i32: bitwise OR of all 32-bit words.  locals: 2 acc v128
loop = get(2) + get(0) + simd(V_LOAD, mem(0)) + simd(V_OR) + set_(2)
body = counted_loop([0], 1, 16, loop)
body += (get(2) + simd(I32X4_EXTRACT, b'\x00') + get(2) + simd(I32X4_EXTRACT, b'\x01') + b'\x72'
         + get(2) + simd(I32X4_EXTRACT, b'\x02') + b'\x72' + get(2) + simd(I32X4_EXTRACT, b'\x03') + b'\x72')
functions.append(('orReduce', [I32, I32], [I32], [V128], body))


# rowDot(src i32, dst i32, rows i32, n0 i32, m i32, starts i32, wts i32, nvec i32):
# for each row (n0 float32) and output t: dst = sum_q w[t][q] * row[starts[t] + q] over nvec
# vectors of 4 taps (weights zero-padded, windows kept inside the row by the caller).
# locals: 8 t, 9 p, 10 wp, 11 q, 12 acc v128
F32_EXTRACT = 0x1F
tloop = (get(0) + get(5) + get(8) + i32c(2) + b'\x74' + b'\x6a' + b'\x28' + mem(2) + i32c(2) + b'\x74' + b'\x6a' + set_(9)
         + ZERO + set_(12) + get(7) + set_(11)
         + b'\x03\x40'
         + get(12) + get(9) + simd(V_LOAD, mem(0)) + get(10) + simd(V_LOAD, mem(0)) + simd(F32X4_MUL) + simd(F32X4_ADD) + set_(12)
         + get(9) + i32c(16) + b'\x6a' + set_(9) + get(10) + i32c(16) + b'\x6a' + set_(10)
         + get(11) + i32c(1) + b'\x6b' + b'\x22' + uleb(11) + b'\x0d\x00'
         + b'\x0b'
         + get(1)
         + get(12) + simd(F32_EXTRACT, b'\x00') + get(12) + simd(F32_EXTRACT, b'\x01') + b'\x92'
         + get(12) + simd(F32_EXTRACT, b'\x02') + b'\x92' + get(12) + simd(F32_EXTRACT, b'\x03') + b'\x92'
         + b'\x38' + mem(2)
         + get(1) + i32c(4) + b'\x6a' + set_(1)
         + get(8) + i32c(1) + b'\x6a' + b'\x22' + uleb(8) + get(4) + b'\x49' + b'\x0d\x00')
rloop = (i32c(0) + set_(8) + get(6) + set_(10)
         + b'\x03\x40' + tloop + b'\x0b'
         + get(0) + get(3) + i32c(2) + b'\x74' + b'\x6a' + set_(0)
         + get(2) + i32c(1) + b'\x6b' + b'\x22' + uleb(2) + b'\x0d\x00')
body = b'\x02\x40' + get(2) + b'\x45' + b'\x0d\x00' + get(4) + b'\x45' + b'\x0d\x00' + b'\x03\x40' + rloop + b'\x0b' + b'\x0b'
functions.append(('rowDot', [I32] * 8, [], [I32, I32, I32, I32, V128], body))


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def vec(items):
    return uleb(len(items)) + b''.join(items)


types = [b'\x60' + vec([bytes([p]) for p in params]) + vec([bytes([r]) for r in results]) for _, params, results, _, _ in functions]
module = b'\x00asm' + struct.pack('<I', 1)
module += section(1, vec(types))
module += section(3, vec([uleb(i) for i in range(len(functions))]))
module += section(5, vec([b'\x00' + uleb(1)]))  # one memory, min 1 page, grown from JS
exports = [uleb(6) + b'memory' + b'\x02' + uleb(0)]
exports += [uleb(len(name)) + name.encode() + b'\x00' + uleb(i) for i, (name, *_rest) in enumerate(functions)]
module += section(7, vec(exports))
bodies = []
for _, _, _, local_types, body in functions:
    locals_ = vec([uleb(1) + bytes([t]) for t in local_types])
    code = locals_ + body + b'\x0b'
    bodies.append(uleb(len(code)) + code)
module += section(10, vec(bodies))

b64 = base64.b64encode(module).decode()
lines = [b64[i:i + 96] for i in range(0, len(b64), 96)]
with open(OUT, 'w') as f:
    f.write('/**\n * GENERATED by scripts/reference/preprocess/make_simd_wasm.py - do not edit.\n'
            f' * WebAssembly SIMD128 module ({len(module)} bytes): stats, normalize, axpyF32, axpyU16, orReduce, rowDot.\n */\n')
    f.write('export const SIMD_WASM_BASE64 =\n')
    f.write('\n'.join(f"  '{line}'" + (' +' if i < len(lines) - 1 else ';') for i, line in enumerate(lines)) + '\n')
open('/tmp/wasm/simd.wasm', 'wb').write(module)
print(f'{len(module)} bytes -> {OUT}')
