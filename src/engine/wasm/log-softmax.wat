;; Reductions over a logits vector for scoring, with WebAssembly SIMD (4 floats at a time).
;; The caller copies n floats (n a multiple of 4) to address 0 of `memory`.
;;   argmax(n)    -> index of the first largest value (0 when the values hold a NaN)
;;   sumexp(n, m) -> Σ exp(x[i] − m) accumulated in float64 (m = the largest value)
;; exp is evaluated in float32: range reduction x = k·ln2 + r, |r| ≤ ln2/2, a degree-7 Taylor polynomial
;; for e^r (truncation error < 6e-9 relative) and 2^k built from the exponent bits. Arguments below −87
;; are clamped there (e^−87 ≈ 1.6e−38), so every term is a normal float; the clamp adds at most n·1.6e−38.
(module
  (memory (export "memory") 17)

  (func (export "argmax") (param $n i32) (result i32)
    (local $i i32) (local $end i32) (local $vmax v128) (local $m f32) (local $mv v128)
    (local.set $end (i32.mul (local.get $n) (i32.const 4)))
    (local.set $vmax (v128.load (i32.const 0)))
    (local.set $i (i32.const 16))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $vmax (f32x4.max (local.get $vmax) (v128.load (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $scan)))
    (local.set $m
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax)))
        (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
    (local.set $mv (f32x4.splat (local.get $m)))
    ;; find the first block of four holding the maximum, then the first lane in it
    (local.set $i (i32.const 0))
    (block $found
      (loop $find
        (br_if $found (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $found (v128.any_true (f32x4.eq (v128.load (local.get $i)) (local.get $mv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $find)))
    ;; (a NaN maximum matches nothing: return 0 rather than run past the end)
    (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const 0))))
    (block $lane
      (loop $next
        (br_if $lane (f32.eq (f32.load (local.get $i)) (local.get $m)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next)))
    (i32.shr_u (local.get $i) (i32.const 2)))

  (func (export "sumexp") (param $n i32) (param $m f32) (result f64)
    (local $i i32) (local $end i32)
    (local $x v128) (local $k v128) (local $r v128) (local $p v128) (local $e v128)
    (local $acc0 v128) (local $acc1 v128)
    (local.set $end (i32.mul (local.get $n) (i32.const 4)))
    (local.set $acc0 (f64x2.splat (f64.const 0)))
    (local.set $acc1 (f64x2.splat (f64.const 0)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; x = max(v − m, −87)
        (local.set $x
          (f32x4.max
            (f32x4.sub (v128.load (local.get $i)) (f32x4.splat (local.get $m)))
            (f32x4.splat (f32.const -87))))
        ;; k = nearest(x·log2 e); r = x − k·ln2 (two-part ln2)
        (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504)))))
        (local.set $r
          (f32x4.sub
            (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (f32x4.splat (f32.const 0.693145752))))
            (f32x4.mul (local.get $k) (f32x4.splat (f32.const 1.42860677e-06)))))
        ;; p = e^r by Horner: 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r(1/720 + r/5040))))))
        (local.set $p (f32x4.splat (f32.const 1.98412698e-04)))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.38888889e-03))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.33333333e-03))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.16666667e-02))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 0.166666667))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 0.5))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1))))
        (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1))))
        ;; e = p · 2^k, 2^k from the exponent bits ((k + 127) << 23), k in [−126, 0]
        (local.set $e
          (f32x4.mul
            (local.get $p)
            (i32x4.shl
              (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (i32x4.splat (i32.const 127)))
              (i32.const 23))))
        ;; accumulate in float64: low two lanes and high two lanes
        (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.promote_low_f32x4 (local.get $e))))
        (local.set $acc1
          (f64x2.add
            (local.get $acc1)
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $e) (local.get $e)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $each)))
    (local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0)))))
