;; Volume kernels (WebAssembly SIMD128) for the memory-bound passes over whole volumes where
;; scalar JavaScript runs compute-bound (~3 ns per float32 element on these machines, versus
;; ~0.5 ns for a memcpy): sliding-window blending, separable trilinear resampling, argmax; and
;; the streaming preprocessing kernels at the end (statistics, normalisation, resize taps).
;; All pointers are byte offsets into the module's own memory; every loop runs whole 4-lane
;; vectors first and a scalar tail after, so any length works. Arithmetic is float32 throughout
;; (as torch's CPU kernels); the JavaScript fallbacks round the same way.
;;
;; Rebuild: node scripts/kernels/build-volume-kernels.mjs  (wabt from npm, a devDependency)
(module
  (memory (export "memory") 1)

  ;; dst[i] = a[i] + (b[i] - a[i]) * w  for i < n   (dst may alias a or b)
  (func $lerp (export "lerp") (param $dst i32) (param $a i32) (param $b i32) (param $n i32) (param $w f32)
    (local $wv v128) (local $x v128) (local $end i32) (local $s f32)
    (local.set $wv (f32x4.splat (local.get $w)))
    (local.set $end (i32.add (local.get $dst) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (local.set $x (v128.load (local.get $a)))
      (v128.store (local.get $dst)
        (f32x4.add (local.get $x) (f32x4.mul (f32x4.sub (v128.load (local.get $b)) (local.get $x)) (local.get $wv))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
      (local.set $s (f32.load (local.get $a)))
      (f32.store (local.get $dst) (f32.add (local.get $s) (f32.mul (f32.sub (f32.load (local.get $b)) (local.get $s)) (local.get $w))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $next))))

  ;; Row copies between two strided layouts: for r < rows, dst[r*dstRow .. +n) = src[r*srcRow .. +n)
  ;; (n float32; strides in bytes). Cuts a window's rows out of a staged block of image rows.
  (func (export "copyRows") (param $dst i32) (param $src i32) (param $rows i32) (param $n i32) (param $dstRow i32) (param $srcRow i32)
    (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $rows)))
      (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstRow)))
      (local.set $src (i32.add (local.get $src) (local.get $srcRow)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $next))))

  ;; Transposed copy of a staged block: planes `srcZ` bytes apart hold rows `srcY` apart whose
  ;; float32 run along x; dst gets, for each x and y, the run along z:
  ;; dst[x*dstX + y*dstY + z] = src[z*srcZ + y*srcY + x] for x < 4*nx4, y < ny, z < 4*nz4 (bytes
  ;; for the strides, elements for the indices). Four rows of four planes are loaded, transposed
  ;; 4x4 by shuffles and stored as four runs of four z; all groups of one (x, y) are written
  ;; before the next so dst lines fill in one go, and y runs inside x so the four dst rows being
  ;; written advance sequentially (x outside: four rows 64 KiB apart per step thrashed the TLB). Cuts windows of a volume read in 'ijk' tensor
  ;; order (z = k, the tensor's innermost axis, is the stored order's slowest). The caller copies
  ;; tails (x or z not a multiple of 4).
  (func (export "transposeBlock") (param $dst i32) (param $src i32) (param $nx4 i32) (param $ny i32) (param $nz4 i32)
      (param $dstX i32) (param $dstY i32) (param $srcY i32) (param $srcZ i32)
    (local $y i32) (local $xb i32) (local $g i32) (local $s i32) (local $d i32) (local $z4 i32)
    (local $a v128) (local $b v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $nx4)))
      (br_if $done (i32.eqz (local.get $ny)))
      (br_if $done (i32.eqz (local.get $nz4)))
      (local.set $z4 (i32.shl (local.get $srcZ) (i32.const 2)))
      (loop $col
        (local.set $y (i32.const 0))
        (loop $row
          (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcY))) (i32.shl (local.get $xb) (i32.const 4))))
          (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $dstY)))
            (i32.mul (i32.shl (local.get $xb) (i32.const 2)) (local.get $dstX))))
          (local.set $g (local.get $nz4))
          (loop $group
            ;; a, b = planes z, z+1: t0 = [a0 b0 a1 b1], t1 = [a2 b2 a3 b3]; t2, t3 the same of z+2, z+3.
            (local.set $a (v128.load align=4 (local.get $s)))
            (local.set $b (v128.load align=4 (i32.add (local.get $s) (local.get $srcZ))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $a (v128.load align=4 (i32.add (local.get $s) (i32.shl (local.get $srcZ) (i32.const 1)))))
            (local.set $b (v128.load align=4 (i32.add (local.get $s) (i32.mul (local.get $srcZ) (i32.const 3)))))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            ;; x: [t0 lanes 0 1, t2 lanes 0 1]; x+1: lanes 2 3 of both; x+2, x+3 the same of t1, t3.
            (v128.store align=4 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $d) (local.get $dstX))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $d) (i32.shl (local.get $dstX) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store align=4 (i32.add (local.get $d) (i32.mul (local.get $dstX) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $s (i32.add (local.get $s) (local.get $z4)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br_if $group (local.tee $g (i32.sub (local.get $g) (i32.const 1)))))
          (br_if $row (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $ny))))
        (br_if $col (i32.lt_u (local.tee $xb (i32.add (local.get $xb) (i32.const 1))) (local.get $nx4))))))

  ;; transposeBlock from 16-bit integer planes (int16, or uint16 with `unsigned`; strides in bytes
  ;; of the 16-bit source) normalised on the way, with the normalize kernel's arithmetic:
  ;; dst = (x - mean) * inv in float32, 0 where x is 0 and `nonzero`. A zscore deferred into the
  ;; windows (deferred-zscore.ts) then needs neither a float32 copy of the volume nor a staged one.
  (func (export "transposeNormalize16") (param $dst i32) (param $src i32) (param $nx4 i32) (param $ny i32) (param $nz4 i32)
      (param $dstX i32) (param $dstY i32) (param $srcY i32) (param $srcZ i32)
      (param $mean f32) (param $inv f32) (param $nonzero i32) (param $unsigned i32)
    (local $y i32) (local $xb i32) (local $g i32) (local $s i32) (local $d i32) (local $z4 i32) (local $q i32)
    (local $m v128) (local $sc v128) (local $keep v128)
    (local $a v128) (local $b v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $nx4)))
      (br_if $done (i32.eqz (local.get $ny)))
      (br_if $done (i32.eqz (local.get $nz4)))
      (local.set $m (f32x4.splat (local.get $mean)))
      (local.set $sc (f32x4.splat (local.get $inv)))
      (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (local.get $nonzero))))
      (local.set $z4 (i32.shl (local.get $srcZ) (i32.const 2)))
      (loop $col
        (local.set $y (i32.const 0))
        (loop $row
          (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcY))) (i32.shl (local.get $xb) (i32.const 3))))
          (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (local.get $y) (local.get $dstY)))
            (i32.mul (i32.shl (local.get $xb) (i32.const 2)) (local.get $dstX))))
          (local.set $g (local.get $nz4))
          (loop $group
            ;; Planes z .. z+3, each four x widened to int32 lanes, converted and normalised, then
            ;; transposed as in transposeBlock ($q walks the planes; $a / $b hold a pair).
            (local.set $q (local.get $s))
            (local.set $a (if (result v128) (local.get $unsigned)
              (then (v128.load16x4_u align=2 (local.get $q))) (else (v128.load16x4_s align=2 (local.get $q)))))
            (local.set $q (i32.add (local.get $q) (local.get $srcZ)))
            (local.set $b (if (result v128) (local.get $unsigned)
              (then (v128.load16x4_u align=2 (local.get $q))) (else (v128.load16x4_s align=2 (local.get $q)))))
            (local.set $a (f32x4.convert_i32x4_s (local.get $a)))
            (local.set $b (f32x4.convert_i32x4_s (local.get $b)))
            (local.set $a (v128.andnot (f32x4.mul (f32x4.sub (local.get $a) (local.get $m)) (local.get $sc))
              (v128.and (f32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0)) (local.get $keep))))
            (local.set $b (v128.andnot (f32x4.mul (f32x4.sub (local.get $b) (local.get $m)) (local.get $sc))
              (v128.and (f32x4.eq (local.get $b) (v128.const i32x4 0 0 0 0)) (local.get $keep))))
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $q (i32.add (local.get $q) (local.get $srcZ)))
            (local.set $a (if (result v128) (local.get $unsigned)
              (then (v128.load16x4_u align=2 (local.get $q))) (else (v128.load16x4_s align=2 (local.get $q)))))
            (local.set $q (i32.add (local.get $q) (local.get $srcZ)))
            (local.set $b (if (result v128) (local.get $unsigned)
              (then (v128.load16x4_u align=2 (local.get $q))) (else (v128.load16x4_s align=2 (local.get $q)))))
            (local.set $a (f32x4.convert_i32x4_s (local.get $a)))
            (local.set $b (f32x4.convert_i32x4_s (local.get $b)))
            (local.set $a (v128.andnot (f32x4.mul (f32x4.sub (local.get $a) (local.get $m)) (local.get $sc))
              (v128.and (f32x4.eq (local.get $a) (v128.const i32x4 0 0 0 0)) (local.get $keep))))
            (local.set $b (v128.andnot (f32x4.mul (f32x4.sub (local.get $b) (local.get $m)) (local.get $sc))
              (v128.and (f32x4.eq (local.get $b) (v128.const i32x4 0 0 0 0)) (local.get $keep))))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (v128.store align=4 (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $d) (local.get $dstX))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store align=4 (i32.add (local.get $d) (i32.shl (local.get $dstX) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store align=4 (i32.add (local.get $d) (i32.mul (local.get $dstX) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $s (i32.add (local.get $s) (local.get $z4)))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br_if $group (local.tee $g (i32.sub (local.get $g) (i32.const 1)))))
          (br_if $row (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $ny))))
        (br_if $col (i32.lt_u (local.tee $xb (i32.add (local.get $xb) (i32.const 1))) (local.get $nx4))))))

  ;; Linear interpolation along rows through a per-output tap table:
  ;; for r < rows, t < m: dst[r*m + t] = lerp(row[off0[t]], row[off1[t]], wts[t]) for lo <= t < hi
  ;; and fill elsewhere (outside the source), with row = src + r*rowBytes; off0/off1 are byte
  ;; offsets within the row. Four outputs per step: lane loads gather the taps.
  (func (export "linearRows") (param $src i32) (param $dst i32) (param $rows i32) (param $rowBytes i32)
      (param $m i32) (param $lo i32) (param $hi i32) (param $off0 i32) (param $off1 i32) (param $wts i32) (param $fill f32)
    (local $t i32) (local $a f32) (local $o0 v128) (local $o1 v128) (local $va v128) (local $vb v128) (local $vhi i32)
    (local.set $vhi (i32.add (local.get $lo) (i32.and (i32.sub (local.get $hi) (local.get $lo)) (i32.const -4))))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (local.set $t (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $lo)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2))) (local.get $fill))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $vhi)))
        (local.set $o0 (v128.load (i32.add (local.get $off0) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $o1 (v128.load (i32.add (local.get $off1) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $va (v128.load32_zero (i32.add (local.get $src) (i32x4.extract_lane 0 (local.get $o0)))))
        (local.set $va (v128.load32_lane 1 (i32.add (local.get $src) (i32x4.extract_lane 1 (local.get $o0))) (local.get $va)))
        (local.set $va (v128.load32_lane 2 (i32.add (local.get $src) (i32x4.extract_lane 2 (local.get $o0))) (local.get $va)))
        (local.set $va (v128.load32_lane 3 (i32.add (local.get $src) (i32x4.extract_lane 3 (local.get $o0))) (local.get $va)))
        (local.set $vb (v128.load32_zero (i32.add (local.get $src) (i32x4.extract_lane 0 (local.get $o1)))))
        (local.set $vb (v128.load32_lane 1 (i32.add (local.get $src) (i32x4.extract_lane 1 (local.get $o1))) (local.get $vb)))
        (local.set $vb (v128.load32_lane 2 (i32.add (local.get $src) (i32x4.extract_lane 2 (local.get $o1))) (local.get $vb)))
        (local.set $vb (v128.load32_lane 3 (i32.add (local.get $src) (i32x4.extract_lane 3 (local.get $o1))) (local.get $vb)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (f32x4.add (local.get $va)
            (f32x4.mul (f32x4.sub (local.get $vb) (local.get $va))
              (v128.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 2)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $hi)))
        (local.set $a (f32.load (i32.add (local.get $src) (i32.load (i32.add (local.get $off0) (i32.shl (local.get $t) (i32.const 2)))))))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (f32.add (local.get $a)
            (f32.mul
              (f32.sub (f32.load (i32.add (local.get $src) (i32.load (i32.add (local.get $off1) (i32.shl (local.get $t) (i32.const 2)))))) (local.get $a))
              (f32.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 2)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $m)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2))) (local.get $fill))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $m) (i32.const 2))))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; linearRows for tables whose taps advance by at most one source element per output
  ;; (upsampling, equal spacing): the two taps of four consecutive outputs then lie within one
  ;; 16-byte load each, at groupOff[g] and groupOff[g] + 4, and byte shuffles (masks[g]: the a
  ;; mask, then the b mask) pick them: no per-lane loads. Outputs lo .. lo + 4*groups use this;
  ;; the rest of [lo, hi) the per-tap tables (off0/off1 byte offsets), fill outside.
  (func (export "linearRowsNarrow") (param $src i32) (param $dst i32) (param $rows i32) (param $rowBytes i32)
      (param $m i32) (param $lo i32) (param $hi i32) (param $groups i32) (param $groupOff i32) (param $masks i32)
      (param $off0 i32) (param $off1 i32) (param $wts i32) (param $fill f32)
    (local $t i32) (local $g i32) (local $a f32) (local $va v128) (local $vb v128) (local $base i32)
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (local.set $t (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $lo)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2))) (local.get $fill))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (local.set $g (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $g) (local.get $groups)))
        (local.set $base (i32.add (local.get $src) (i32.load (i32.add (local.get $groupOff) (i32.shl (local.get $g) (i32.const 2))))))
        (local.set $va (i8x16.swizzle (v128.load (local.get $base)) (v128.load (i32.add (local.get $masks) (i32.shl (local.get $g) (i32.const 5))))))
        (local.set $vb (i8x16.swizzle (v128.load offset=4 (local.get $base)) (v128.load offset=16 (i32.add (local.get $masks) (i32.shl (local.get $g) (i32.const 5))))))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (f32x4.add (local.get $va)
            (f32x4.mul (f32x4.sub (local.get $vb) (local.get $va))
              (v128.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 2)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $hi)))
        (local.set $a (f32.load (i32.add (local.get $src) (i32.load (i32.add (local.get $off0) (i32.shl (local.get $t) (i32.const 2)))))))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2)))
          (f32.add (local.get $a)
            (f32.mul
              (f32.sub (f32.load (i32.add (local.get $src) (i32.load (i32.add (local.get $off1) (i32.shl (local.get $t) (i32.const 2)))))) (local.get $a))
              (f32.load (i32.add (local.get $wts) (i32.shl (local.get $t) (i32.const 2)))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $t) (local.get $m)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $t) (i32.const 2))) (local.get $fill))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $next)))
      (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $m) (i32.const 2))))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; Weighted accumulation of one window (all its channels) into the output box it covers:
  ;; for z < nz, y < ny, c < channels, x < nx:
  ;;   out[c*outChannel + z*outSlice + y*outRow + x] += pred[c*inChannel + p] * wts[p],
  ;; p = z*inSlice + y*inRow + x (pred channels and wts share the window layout). Strides in
  ;; bytes. Channels innermost per row: the weight row is read from memory once, then from L1.
  (func (export "accumulate") (param $out i32) (param $pred i32) (param $wts i32)
      (param $nz i32) (param $ny i32) (param $nx i32) (param $channels i32)
      (param $outRow i32) (param $outSlice i32) (param $outChannel i32)
      (param $inRow i32) (param $inSlice i32) (param $inChannel i32)
    (local $y i32) (local $c i32) (local $o i32) (local $p i32) (local $w i32) (local $end i32) (local $vend i32)
    (local $oRow i32) (local $pRow i32) (local $wRow i32)
    (block $zDone (loop $z
      (br_if $zDone (i32.eqz (local.get $nz)))
      (local.set $y (i32.const 0))
      (block $yDone (loop $row
        (br_if $yDone (i32.ge_u (local.get $y) (local.get $ny)))
        (local.set $oRow (i32.add (local.get $out) (i32.mul (local.get $y) (local.get $outRow))))
        (local.set $pRow (i32.add (local.get $pred) (i32.mul (local.get $y) (local.get $inRow))))
        (local.set $wRow (i32.add (local.get $wts) (i32.mul (local.get $y) (local.get $inRow))))
        (local.set $c (i32.const 0))
        (block $cDone (loop $channel
          (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
          (local.set $o (i32.add (local.get $oRow) (i32.mul (local.get $c) (local.get $outChannel))))
          (local.set $p (i32.add (local.get $pRow) (i32.mul (local.get $c) (local.get $inChannel))))
          (local.set $w (local.get $wRow))
          (local.set $end (i32.add (local.get $o) (i32.shl (local.get $nx) (i32.const 2))))
          (local.set $vend (i32.add (local.get $o) (i32.shl (i32.and (local.get $nx) (i32.const -4)) (i32.const 2))))
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $o) (local.get $vend)))
            (v128.store (local.get $o)
              (f32x4.add (v128.load (local.get $o)) (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $w)))))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $w (i32.add (local.get $w) (i32.const 16)))
            (br $next)))
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
            (f32.store (local.get $o)
              (f32.add (f32.load (local.get $o)) (f32.mul (f32.load (local.get $p)) (f32.load (local.get $w)))))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (i32.const 4)))
            (br $next)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $channel)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
      (local.set $out (i32.add (local.get $out) (local.get $outSlice)))
      (local.set $pred (i32.add (local.get $pred) (local.get $inSlice)))
      (local.set $wts (i32.add (local.get $wts) (local.get $inSlice)))
      (local.set $nz (i32.sub (local.get $nz) (i32.const 1)))
      (br $z))))

  ;; Separable scaling of rows: for r < rows, x < n: data[r*n + x] *= rowF[r] * colF[x].
  (func (export "scaleRows") (param $data i32) (param $rows i32) (param $n i32) (param $rowF i32) (param $colF i32)
    (local $fv v128) (local $f f32) (local $c i32) (local $end i32) (local $vend i32)
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.eqz (local.get $rows)))
      (local.set $f (f32.load (local.get $rowF)))
      (local.set $fv (f32x4.splat (local.get $f)))
      (local.set $c (local.get $colF))
      (local.set $end (i32.add (local.get $data) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $vend (i32.add (local.get $data) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $data) (local.get $vend)))
        (v128.store (local.get $data) (f32x4.mul (v128.load (local.get $data)) (f32x4.mul (local.get $fv) (v128.load (local.get $c)))))
        (local.set $data (i32.add (local.get $data) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $data) (local.get $end)))
        (f32.store (local.get $data) (f32.mul (f32.load (local.get $data)) (f32.mul (local.get $f) (f32.load (local.get $c)))))
        (local.set $data (i32.add (local.get $data) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $next)))
      (local.set $rowF (i32.add (local.get $rowF) (i32.const 4)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br $row))))

  ;; Argmax over `channels` planes of n float32 (plane stride n*4 bytes) into n uint8 labels;
  ;; ties go to the lower channel. Returns the first element index holding a NaN, or -1.
  ;; Four voxels per step (compare, then select value and label by the mask); scalar tail.
  (func (export "argmaxPlanes") (param $planes i32) (param $channels i32) (param $n i32) (param $out i32) (result i32)
    (local $i i32) (local $c i32) (local $p i32) (local $best f32) (local $v f32) (local $label i32) (local $stride i32)
    (local $vbest v128) (local $vv v128) (local $vlabel v128) (local $mask v128) (local $gt v128) (local $vend i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vend (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
      (local.set $p (i32.add (local.get $planes) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $vbest (v128.load (local.get $p)))
      (local.set $mask (f32x4.ne (local.get $vbest) (local.get $vbest)))
      (local.set $vlabel (v128.const i32x4 0 0 0 0))
      (local.set $c (i32.const 1))
      (block $cDone (loop $ch
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (local.set $vv (v128.load (local.get $p)))
        (local.set $mask (v128.or (local.get $mask) (f32x4.ne (local.get $vv) (local.get $vv))))
        ;; Strictly greater only: a tie keeps the lower channel.
        (local.set $gt (f32x4.gt (local.get $vv) (local.get $vbest)))
        (local.set $vbest (v128.bitselect (local.get $vv) (local.get $vbest) (local.get $gt)))
        (local.set $vlabel (v128.bitselect (i32x4.splat (local.get $c)) (local.get $vlabel) (local.get $gt)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ch)))
      ;; Any NaN among these four voxels: leave the vector loop, the scalar loop finds it.
      (br_if $done (v128.any_true (local.get $mask)))
      (local.set $vlabel (i16x8.narrow_i32x4_u (local.get $vlabel) (local.get $vlabel)))
      (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i))
        (i8x16.narrow_i16x8_u (local.get $vlabel) (local.get $vlabel)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $p (i32.add (local.get $planes) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $best (f32.load (local.get $p)))
      (if (f32.ne (local.get $best) (local.get $best)) (then (return (local.get $i))))
      (local.set $label (i32.const 0))
      (local.set $c (i32.const 1))
      (block $cDone (loop $ch
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
        (local.set $p (i32.add (local.get $p) (local.get $stride)))
        (local.set $v (f32.load (local.get $p)))
        (if (f32.ne (local.get $v) (local.get $v)) (then (return (local.get $i))))
        (if (f32.gt (local.get $v) (local.get $best))
          (then (local.set $best (local.get $v)) (local.set $label (local.get $c))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ch)))
      (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $label))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const -1))

  ;; e^x for four x <= 0 (below -87, where float32 leaves its normal range, the result is 0):
  ;; x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two for exactness),
  ;; e^r by its degree-7 Taylor polynomial (truncation < 6e-9 relative), 2^n from exponent bits.
  ;; Within ~2 float32 ulps of the exact value, like torch's vectorised expf.
  (func $expNonPositive (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $normal v128)
    (local.set $normal (f32x4.ge (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.98412698e-4 1.98412698e-4 1.98412698e-4 1.98412698e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.38888889e-3 1.38888889e-3 1.38888889e-3 1.38888889e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.33333333e-3 8.33333333e-3 8.33333333e-3 8.33333333e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.16666667e-2 4.16666667e-2 4.16666667e-2 4.16666667e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.166666667 0.166666667 0.166666667 0.166666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (v128.and (local.get $normal)
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))))

  ;; The first index among n float32 of a NaN (finite = 0) or of any non-finite value
  ;; (finite = 1), or -1. Checked four at a time; the lane is found by the scalar loop.
  (func (export "scanNonFinite") (param $ptr i32) (param $n i32) (param $finite i32) (result i32)
    (local $i i32) (local $vend i32) (local $x v128) (local $f f32)
    (local.set $vend (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
      (local.set $x (v128.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
      (if (local.get $finite) (then (local.set $x (f32x4.sub (local.get $x) (local.get $x)))))
      (br_if $done (v128.any_true (f32x4.ne (local.get $x) (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $f (f32.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
      (if (local.get $finite) (then (local.set $f (f32.sub (local.get $f) (local.get $f)))))
      (if (f32.ne (local.get $f) (local.get $f)) (then (return (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const -1))

  ;; Logistic function in place on the first n & ~3 float32 (no NaN: scanned before; +-Inf give
  ;; 1 / 0): e = e^-|x|, never overflowing; x >= 0: 1 / (1 + e), else e / (1 + e).
  (func (export "sigmoidInPlace") (param $ptr i32) (param $n i32)
    (local $end i32) (local $x v128) (local $e v128) (local $r v128)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (local.set $x (v128.load (local.get $ptr)))
      (local.set $e (call $expNonPositive (f32x4.neg (f32x4.abs (local.get $x)))))
      (local.set $r (f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))
      (v128.store (local.get $ptr)
        (v128.bitselect (local.get $r) (f32x4.mul (local.get $e) (local.get $r))
          (f32x4.ge (local.get $x) (v128.const f32x4 0 0 0 0))))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br $next))))

  ;; Softmax over `channels` planar planes (plane stride planeBytes) in place, for the first
  ;; n & ~3 voxels, all values finite (scanned before): subtract the channel maximum, exponentiate,
  ;; divide by the sum, as torch.softmax.
  (func (export "softmaxPlanes") (param $planes i32) (param $channels i32) (param $n i32) (param $planeBytes i32)
    (local $i i32) (local $vend i32) (local $c i32) (local $p i32) (local $max v128) (local $sum v128) (local $e v128) (local $inv v128)
    (local.set $vend (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
      (local.set $p (i32.add (local.get $planes) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $max (v128.load (local.get $p)))
      (local.set $c (i32.const 1))
      (block $cDone (loop $ch
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
        (local.set $max (f32x4.max (local.get $max) (v128.load (i32.add (local.get $p) (i32.mul (local.get $c) (local.get $planeBytes))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ch)))
      (local.set $sum (v128.const f32x4 0 0 0 0))
      (local.set $c (i32.const 0))
      (block $cDone (loop $ch
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
        (local.set $e (call $expNonPositive (f32x4.sub (v128.load (i32.add (local.get $p) (i32.mul (local.get $c) (local.get $planeBytes)))) (local.get $max))))
        (v128.store (i32.add (local.get $p) (i32.mul (local.get $c) (local.get $planeBytes))) (local.get $e))
        (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ch)))
      (local.set $inv (f32x4.div (v128.const f32x4 1 1 1 1) (local.get $sum)))
      (local.set $c (i32.const 0))
      (block $cDone (loop $ch
        (br_if $cDone (i32.ge_u (local.get $c) (local.get $channels)))
        (v128.store (i32.add (local.get $p) (i32.mul (local.get $c) (local.get $planeBytes)))
          (f32x4.mul (v128.load (i32.add (local.get $p) (i32.mul (local.get $c) (local.get $planeBytes)))) (local.get $inv)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $ch)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next))))

  ;; Sigmoid region channels -> labels for n voxels: regions holds `count` pairs (i32 byte offset
  ;; of the channel's plane from `planes`, i32 label) in writing order; a voxel gets the label of
  ;; the last region whose probability passes t (p >= t when gte, else p > t), 0 if none. uint8
  ;; labels. Returns the first voxel with a NaN in any region channel, or -1.
  (func (export "regionsPlanes") (param $planes i32) (param $n i32) (param $regions i32) (param $count i32)
      (param $t f32) (param $gte i32) (param $out i32) (result i32)
    (local $i i32) (local $r i32) (local $vend i32) (local $p v128) (local $lab v128) (local $nan v128) (local $m v128)
    (local $tv v128) (local $at i32) (local $f f32) (local $l i32)
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $vend (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $vend)))
      (local.set $lab (v128.const i32x4 0 0 0 0))
      (local.set $nan (v128.const i32x4 0 0 0 0))
      (local.set $r (i32.const 0))
      (block $rDone (loop $region
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $at (i32.add (local.get $regions) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $p (v128.load (i32.add (i32.add (local.get $planes) (i32.load (local.get $at))) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $p) (local.get $p))))
        (local.set $m (if (result v128) (local.get $gte)
          (then (f32x4.ge (local.get $p) (local.get $tv)))
          (else (f32x4.gt (local.get $p) (local.get $tv)))))
        (local.set $lab (v128.bitselect (i32x4.splat (i32.load offset=4 (local.get $at))) (local.get $lab) (local.get $m)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $region)))
      (br_if $done (v128.any_true (local.get $nan)))
      (local.set $lab (i16x8.narrow_i32x4_u (local.get $lab) (local.get $lab)))
      (v128.store32_lane 0 (i32.add (local.get $out) (local.get $i)) (i8x16.narrow_i16x8_u (local.get $lab) (local.get $lab)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $l (i32.const 0))
      (local.set $r (i32.const 0))
      (block $rDone (loop $region
        (br_if $rDone (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $at (i32.add (local.get $regions) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $f (f32.load (i32.add (i32.add (local.get $planes) (i32.load (local.get $at))) (i32.shl (local.get $i) (i32.const 2)))))
        (if (f32.ne (local.get $f) (local.get $f)) (then (return (local.get $i))))
        (if (if (result i32) (local.get $gte) (then (f32.ge (local.get $f) (local.get $t))) (else (f32.gt (local.get $f) (local.get $t))))
          (then (local.set $l (i32.load offset=4 (local.get $at)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $region)))
      (i32.store8 (i32.add (local.get $out) (local.get $i)) (local.get $l))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const -1))

  ;; ---- Streaming preprocessing kernels (z-score statistics and normalisation, separable
  ;; ---- resize taps, range checks). The callers (src/preprocess/simd.ts) stream chunks through
  ;; ---- a scratch area of one cached instance: results at bytes [0, 64), buffers from 64.
  ;; ---- Each loop below runs `count` >= 1 whole vectors (the caller checks; the tail is JS).

  ;; Over n4 float32 vectors at ptr: f64 sums of d = x - shift and of d^2, and the count of
  ;; zeros; stores s1 at [0], s2 at [8] (f64) and zeros at [16] (i32). f64 accumulators keep the
  ;; variance of a large volume exact to the reference's float64 statistics.
  (func $stats (export "stats") (param $ptr i32) (param $n4 i32) (param $shift f64)
    (local $x v128) (local $s1 v128) (local $s2 v128) (local $zeros v128) (local $k v128) (local $lo v128) (local $hi v128)
    (local.set $k (f64x2.splat (local.get $shift)))
    (loop $next
      (local.set $x (v128.load align=1 (local.get $ptr)))
      ;; f32x4.eq gives -1 per zero lane: subtracting counts them.
      (local.set $zeros (i32x4.sub (local.get $zeros) (f32x4.eq (local.get $x) (v128.const i32x4 0 0 0 0))))
      (local.set $lo (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x)) (local.get $k)))
      (local.set $hi (f64x2.sub
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))
        (local.get $k)))
      (local.set $s1 (f64x2.add (local.get $s1) (f64x2.add (local.get $lo) (local.get $hi))))
      (local.set $s2 (f64x2.add (local.get $s2)
        (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi)))))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br_if $next (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1)))))
    (f64.store (i32.const 0) (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
    (f64.store (i32.const 8) (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
    (i32.store (i32.const 16)
      (i32.add (i32.add (i32.add (i32x4.extract_lane 0 (local.get $zeros)) (i32x4.extract_lane 1 (local.get $zeros)))
        (i32x4.extract_lane 2 (local.get $zeros))) (i32x4.extract_lane 3 (local.get $zeros)))))

  ;; dst = (src - mean) * inv over n4 float32 vectors; lanes where src == 0 become 0 when
  ;; nonzero != 0 (MONAI NormalizeIntensity(nonzero=True) leaves the background at 0).
  (func $normalize (export "normalize") (param $src i32) (param $dst i32) (param $n4 i32) (param $mean f32) (param $inv f32) (param $nonzero i32)
    (local $m v128) (local $s v128) (local $keepZero v128) (local $x v128)
    (local.set $m (f32x4.splat (local.get $mean)))
    (local.set $s (f32x4.splat (local.get $inv)))
    (local.set $keepZero (i32x4.splat (i32.sub (i32.const 0) (local.get $nonzero))))
    (loop $next
      (v128.store align=1 (local.get $dst)
        (v128.andnot
          (f32x4.mul (f32x4.sub (local.tee $x (v128.load align=1 (local.get $src))) (local.get $m)) (local.get $s))
          (v128.and (f32x4.eq (local.get $x) (v128.const i32x4 0 0 0 0)) (local.get $keepZero))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br_if $next (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1))))))

  ;; dst = (first ? 0 : dst) + w * src over n4 float32 vectors (one tap of a separable filter).
  (func $axpyF32 (export "axpyF32") (param $dst i32) (param $src i32) (param $n4 i32) (param $w f32) (param $first i32)
    (local $wv v128) (local $keep v128)
    (local.set $wv (f32x4.splat (local.get $w)))
    ;; all ones unless first: the AND below keeps the accumulator or clears it.
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $first)))))
    (loop $next
      (v128.store align=1 (local.get $dst)
        (f32x4.add (v128.and (v128.load align=1 (local.get $dst)) (local.get $keep))
          (f32x4.mul (v128.load align=1 (local.get $src)) (local.get $wv))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $next (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1))))))

  ;; The same with uint16 input: n8 vectors of 8 samples each widen to two float32 vectors
  ;; (dst advances 32 bytes, src 16 per step). Widened uint16 lanes are non-negative int32, so the
  ;; signed convert (one instruction on x64, where the unsigned one is emulated) gives the same floats.
  (func $axpyU16 (export "axpyU16") (param $dst i32) (param $src i32) (param $n8 i32) (param $w f32) (param $first i32)
    (local $wv v128) (local $keep v128) (local $x v128)
    (local.set $wv (f32x4.splat (local.get $w)))
    (local.set $keep (i32x4.splat (i32.sub (i32.const 0) (i32.eqz (local.get $first)))))
    (loop $next
      (local.set $x (v128.load align=1 (local.get $src)))
      (v128.store align=1 (local.get $dst)
        (f32x4.add (v128.and (v128.load align=1 (local.get $dst)) (local.get $keep))
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $x))) (local.get $wv))))
      (v128.store offset=16 align=1 (local.get $dst)
        (f32x4.add (v128.and (v128.load offset=16 align=1 (local.get $dst)) (local.get $keep))
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $x))) (local.get $wv))))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $next (local.tee $n8 (i32.sub (local.get $n8) (i32.const 1))))))

  ;; One output line of a separable filter along a strided axis, taps accumulated in registers:
  ;; dst[x] = sum over q < taps of w[q] * src[q * rowBytes + x], for n16 steps of 16 samples (four
  ;; independent sums, so the adds' latency overlaps). Each sum starts at 0 and adds the taps in
  ;; order, so it rounds exactly as axpy* tap by tap did, with one store per output instead of a
  ;; load and a store per tap. Widened uint16 lanes are non-negative int32: the signed convert
  ;; (one SSE instruction; the unsigned one is emulated on x64) gives the same floats.
  (func $bandU16 (export "bandU16") (param $dst i32) (param $src i32) (param $n16 i32) (param $taps i32) (param $wts i32) (param $rowBytes i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $x v128) (local $y v128) (local $wv v128)
    (local $p i32) (local $w i32) (local $q i32)
    (loop $vec
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $src))
      (local.set $w (local.get $wts))
      (local.set $q (local.get $taps))
      (loop $tap
        (local.set $x (v128.load align=1 (local.get $p)))
        (local.set $y (v128.load offset=16 align=1 (local.get $p)))
        (local.set $wv (v128.load32_splat align=4 (local.get $w)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $x))) (local.get $wv))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $x))) (local.get $wv))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $y))) (local.get $wv))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $y))) (local.get $wv))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (br_if $tap (local.tee $q (i32.sub (local.get $q) (i32.const 1)))))
      (v128.store align=1 (local.get $dst) (local.get $s0))
      (v128.store offset=16 align=1 (local.get $dst) (local.get $s1))
      (v128.store offset=32 align=1 (local.get $dst) (local.get $s2))
      (v128.store offset=48 align=1 (local.get $dst) (local.get $s3))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (br_if $vec (local.tee $n16 (i32.sub (local.get $n16) (i32.const 1))))))

  ;; The same for uint8 samples: 16 per step, widened to four float32 vectors.
  (func $bandU8 (export "bandU8") (param $dst i32) (param $src i32) (param $n16 i32) (param $taps i32) (param $wts i32) (param $rowBytes i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $x v128) (local $lo v128) (local $hi v128) (local $wv v128)
    (local $p i32) (local $w i32) (local $q i32)
    (loop $vec
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $src))
      (local.set $w (local.get $wts))
      (local.set $q (local.get $taps))
      (loop $tap
        (local.set $x (v128.load align=1 (local.get $p)))
        (local.set $lo (i16x8.extend_low_i8x16_u (local.get $x)))
        (local.set $hi (i16x8.extend_high_i8x16_u (local.get $x)))
        (local.set $wv (v128.load32_splat align=4 (local.get $w)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $lo))) (local.get $wv))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $lo))) (local.get $wv))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $hi))) (local.get $wv))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $hi))) (local.get $wv))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (br_if $tap (local.tee $q (i32.sub (local.get $q) (i32.const 1)))))
      (v128.store align=1 (local.get $dst) (local.get $s0))
      (v128.store offset=16 align=1 (local.get $dst) (local.get $s1))
      (v128.store offset=32 align=1 (local.get $dst) (local.get $s2))
      (v128.store offset=48 align=1 (local.get $dst) (local.get $s3))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $vec (local.tee $n16 (i32.sub (local.get $n16) (i32.const 1))))))

  ;; The same for float32 samples.
  (func $bandF32 (export "bandF32") (param $dst i32) (param $src i32) (param $n16 i32) (param $taps i32) (param $wts i32) (param $rowBytes i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $wv v128) (local $p i32) (local $w i32) (local $q i32)
    (loop $vec
      (local.set $s0 (v128.const i32x4 0 0 0 0))
      (local.set $s1 (v128.const i32x4 0 0 0 0))
      (local.set $s2 (v128.const i32x4 0 0 0 0))
      (local.set $s3 (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $src))
      (local.set $w (local.get $wts))
      (local.set $q (local.get $taps))
      (loop $tap
        (local.set $wv (v128.load32_splat align=4 (local.get $w)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load align=1 (local.get $p)) (local.get $wv))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 align=1 (local.get $p)) (local.get $wv))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 align=1 (local.get $p)) (local.get $wv))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 align=1 (local.get $p)) (local.get $wv))))
        (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $w (i32.add (local.get $w) (i32.const 4)))
        (br_if $tap (local.tee $q (i32.sub (local.get $q) (i32.const 1)))))
      (v128.store align=1 (local.get $dst) (local.get $s0))
      (v128.store offset=16 align=1 (local.get $dst) (local.get $s1))
      (v128.store offset=32 align=1 (local.get $dst) (local.get $s2))
      (v128.store offset=48 align=1 (local.get $dst) (local.get $s3))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $src (i32.add (local.get $src) (i32.const 64)))
      (br_if $vec (local.tee $n16 (i32.sub (local.get $n16) (i32.const 1))))))

  ;; Modality LUT with slope 1 over n8 vectors of 8 16-bit samples at ptr (io/dicom/modality-lut.ts):
  ;; adds b to every lane in place (16-bit wrap, undone exactly by the caller when the range asks for
  ;; a wider type) and stores the lanes' minima at [0] and maxima at [16] (v128; signed lanes when
  ;; signed != 0, else unsigned), so the stored range comes from the same pass.
  (func $shiftRange16 (export "shiftRange16") (param $ptr i32) (param $n8 i32) (param $b i32) (param $signed i32)
    (local $x v128) (local $lo v128) (local $hi v128) (local $add v128)
    (local.set $add (i16x8.splat (local.get $b)))
    (local.set $lo (v128.load align=1 (local.get $ptr)))
    (local.set $hi (local.get $lo))
    (if (local.get $signed)
      (then
        (loop $s
          (local.set $x (v128.load align=1 (local.get $ptr)))
          (local.set $lo (i16x8.min_s (local.get $lo) (local.get $x)))
          (local.set $hi (i16x8.max_s (local.get $hi) (local.get $x)))
          (v128.store align=1 (local.get $ptr) (i16x8.add (local.get $x) (local.get $add)))
          (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
          (br_if $s (local.tee $n8 (i32.sub (local.get $n8) (i32.const 1))))))
      (else
        (loop $u
          (local.set $x (v128.load align=1 (local.get $ptr)))
          (local.set $lo (i16x8.min_u (local.get $lo) (local.get $x)))
          (local.set $hi (i16x8.max_u (local.get $hi) (local.get $x)))
          (v128.store align=1 (local.get $ptr) (i16x8.add (local.get $x) (local.get $add)))
          (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
          (br_if $u (local.tee $n8 (i32.sub (local.get $n8) (i32.const 1)))))))
    (v128.store (i32.const 0) (local.get $lo))
    (v128.store (i32.const 16) (local.get $hi)))

  ;; Bitwise OR of all 32-bit words of n4 vectors (a float32 exponent-field test finds NaN/Inf).
  (func $orReduce (export "orReduce") (param $ptr i32) (param $n4 i32) (result i32)
    (local $acc v128)
    (loop $next
      (local.set $acc (v128.or (local.get $acc) (v128.load align=1 (local.get $ptr))))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br_if $next (local.tee $n4 (i32.sub (local.get $n4) (i32.const 1)))))
    (i32.or (i32.or (i32.or (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32x4.extract_lane 2 (local.get $acc))) (i32x4.extract_lane 3 (local.get $acc))))

  ;; For each of `rows` rows of n0 float32 at src and each output t < m:
  ;; dst = sum over nvec vectors of 4 taps of w[t][q] * row[starts[t] + q]. Weights are
  ;; zero-padded to whole vectors and windows kept inside the row by the caller.
  (func $rowDot (export "rowDot") (param $src i32) (param $dst i32) (param $rows i32) (param $n0 i32) (param $m i32) (param $starts i32) (param $wts i32) (param $nvec i32)
    (local $t i32) (local $p i32) (local $wp i32) (local $q i32) (local $acc v128)
    (block $done
      (br_if $done (i32.eqz (local.get $rows)))
      (br_if $done (i32.eqz (local.get $m)))
      (loop $row
        (local.set $t (i32.const 0))
        (local.set $wp (local.get $wts))
        (loop $out
          (local.set $p (i32.add (local.get $src)
            (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 2))))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $q (local.get $nvec))
          (loop $tap
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load align=1 (local.get $p)) (v128.load align=1 (local.get $wp)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
            (br_if $tap (local.tee $q (i32.sub (local.get $q) (i32.const 1)))))
          (f32.store (local.get $dst)
            (f32.add (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32x4.extract_lane 2 (local.get $acc))) (f32x4.extract_lane 3 (local.get $acc))))
          (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
          (br_if $out (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $m))))
        (local.set $src (i32.add (local.get $src) (i32.shl (local.get $n0) (i32.const 2))))
        (br_if $row (local.tee $rows (i32.sub (local.get $rows) (i32.const 1)))))))

  ;; MONAI ScaleIntensityRange in place over n float32: y = (x - aMin) * k + bMin, then, when clip,
  ;; y < lo ? lo : y and y > hi ? hi : y (pmax / pmin: the JavaScript comparisons, so NaN and -0
  ;; pass as they do there), stored as float32. Computed in float64 like the JavaScript loop it
  ;; replaces (scale-intensity-range.ts), so the stored floats are the same bits: two lanes of
  ;; float64 per half of each 4-float vector.
  (func $affineClamp (export "affineClamp") (param $ptr i32) (param $n i32) (param $aMin f64) (param $k f64)
    (param $bMin f64) (param $lo f64) (param $hi f64) (param $clip i32)
    (local $end i32) (local $x v128) (local $a v128) (local $b v128) (local $y f64)
    (local $am v128) (local $kv v128) (local $bm v128) (local $lov v128) (local $hiv v128)
    (local.set $am (f64x2.splat (local.get $aMin)))
    (local.set $kv (f64x2.splat (local.get $k)))
    (local.set $bm (f64x2.splat (local.get $bMin)))
    (local.set $lov (f64x2.splat (local.get $lo)))
    (local.set $hiv (f64x2.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (local.set $x (v128.load align=1 (local.get $ptr)))
      (local.set $a (f64x2.add (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x)) (local.get $am)) (local.get $kv)) (local.get $bm)))
      (local.set $b (f64x2.add (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
        (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x))) (local.get $am)) (local.get $kv)) (local.get $bm)))
      (if (local.get $clip) (then
        (local.set $a (f64x2.pmin (f64x2.pmax (local.get $a) (local.get $lov)) (local.get $hiv)))
        (local.set $b (f64x2.pmin (f64x2.pmax (local.get $b) (local.get $lov)) (local.get $hiv)))))
      (v128.store align=1 (local.get $ptr)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $a)) (f32x4.demote_f64x2_zero (local.get $b))))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
      (local.set $y (f64.add (f64.mul (f64.sub (f64.promote_f32 (f32.load (local.get $ptr))) (local.get $aMin)) (local.get $k)) (local.get $bMin)))
      (if (local.get $clip) (then
        (if (f64.lt (local.get $y) (local.get $lo)) (then (local.set $y (local.get $lo))))
        (if (f64.gt (local.get $y) (local.get $hi)) (then (local.set $y (local.get $hi))))))
      (f32.store (local.get $ptr) (f32.demote_f64 (local.get $y)))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 4)))
      (br $next))))
)
