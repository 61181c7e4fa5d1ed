;; The dual ratio test's scan over all 2^(n+1) term columns (../dualSimplex.ts), two columns
;; per instruction and without a branch per column: in JavaScript this scan was a quarter of
;; a pivot's time. Columns are ids 0 .. count - 1 of three arrays of doubles: alpha (the pivot
;; row's product with the column, times the leaving direction), price (the column's dual
;; price) and blocked (+1 or -1: that signed part is basic; NaN: never a candidate; 0: free).
;; A column's candidate part has the sign s of its alpha and the reduced cost 1 - s price.
;; Pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 1))

  ;; min over the columns that may enter of (slack + dualTolerance) / |alpha|: Harris' relaxed
  ;; bound; count must be even
  (func (export "relaxedBound")
    (param $alpha i32) (param $price i32) (param $blocked i32) (param $count i32)
    (param $direction f64) (param $pivotTolerance f64) (param $dualTolerance f64)
    (result f64)
    (local $i i32) (local $end i32) (local $best v128) (local $slack v128)
    (local $magnitude v128) (local $valid v128) (local $a v128) (local $sign v128)
    (local $directions v128) (local $tolerances v128)
    (local.set $directions (f64x2.splat (local.get $direction)))
    (local.set $tolerances (f64x2.splat (local.get $pivotTolerance)))
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (local.set $best (f64x2.splat (f64.const inf)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; the candidate part's sign s, |alpha|, the slack max(1 - s price, 0), and whether
        ;; the part may enter: |alpha| above the pivot tolerance, s blocked < 1
        (local.set $a
          (f64x2.mul (local.get $directions)
            (v128.load (i32.add (local.get $alpha) (local.get $i)))))
        (local.set $magnitude (f64x2.abs (local.get $a)))
        (local.set $sign
          (v128.bitselect (v128.const f64x2 1 1) (v128.const f64x2 -1 -1)
            (f64x2.gt (local.get $a) (v128.const f64x2 0 0))))
        (local.set $slack
          (f64x2.pmax (v128.const f64x2 0 0)
            (f64x2.sub (v128.const f64x2 1 1)
              (f64x2.mul (local.get $sign)
                (v128.load (i32.add (local.get $price) (local.get $i)))))))
        (local.set $valid
          (v128.and
            (f64x2.gt (local.get $magnitude) (local.get $tolerances))
            (f64x2.lt
              (f64x2.mul (local.get $sign)
                (v128.load (i32.add (local.get $blocked) (local.get $i))))
              (v128.const f64x2 1 1))))
        (local.set $best
          (f64x2.pmin (local.get $best)
            (v128.bitselect
              (f64x2.div
                (f64x2.add (local.get $slack) (f64x2.splat (local.get $dualTolerance)))
                (local.get $magnitude))
              (f64x2.splat (f64.const inf))
              (local.get $valid))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pair)))
    (f64.min (f64x2.extract_lane 0 (local.get $best)) (f64x2.extract_lane 1 (local.get $best))))

  ;; writes, in id order, the ids of the columns that may enter with slack / |alpha| <= limit
  ;; into out (32-bit integers); returns how many; count must be even
  (func (export "candidates")
    (param $alpha i32) (param $price i32) (param $blocked i32) (param $count i32)
    (param $direction f64) (param $pivotTolerance f64) (param $limit f64) (param $out i32)
    (result i32)
    (local $i i32) (local $end i32) (local $slack v128) (local $magnitude v128)
    (local $valid v128) (local $hit v128) (local $written i32) (local $a v128) (local $sign v128)
    (local $directions v128) (local $tolerances v128)
    (local.set $directions (f64x2.splat (local.get $direction)))
    (local.set $tolerances (f64x2.splat (local.get $pivotTolerance)))
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        ;; the candidate part's sign s, |alpha|, the slack max(1 - s price, 0), and whether
        ;; the part may enter: |alpha| above the pivot tolerance, s blocked < 1
        (local.set $a
          (f64x2.mul (local.get $directions)
            (v128.load (i32.add (local.get $alpha) (local.get $i)))))
        (local.set $magnitude (f64x2.abs (local.get $a)))
        (local.set $sign
          (v128.bitselect (v128.const f64x2 1 1) (v128.const f64x2 -1 -1)
            (f64x2.gt (local.get $a) (v128.const f64x2 0 0))))
        (local.set $slack
          (f64x2.pmax (v128.const f64x2 0 0)
            (f64x2.sub (v128.const f64x2 1 1)
              (f64x2.mul (local.get $sign)
                (v128.load (i32.add (local.get $price) (local.get $i)))))))
        (local.set $valid
          (v128.and
            (f64x2.gt (local.get $magnitude) (local.get $tolerances))
            (f64x2.lt
              (f64x2.mul (local.get $sign)
                (v128.load (i32.add (local.get $blocked) (local.get $i))))
              (v128.const f64x2 1 1))))
        (local.set $hit
          (v128.and (local.get $valid)
            (f64x2.le (f64x2.div (local.get $slack) (local.get $magnitude))
              (f64x2.splat (local.get $limit)))))
        (if (v128.any_true (local.get $hit))
          (then
            (if (i32x4.extract_lane 0 (local.get $hit))
              (then
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $written) (i32.const 2)))
                  (i32.shr_u (local.get $i) (i32.const 3)))
                (local.set $written (i32.add (local.get $written) (i32.const 1)))))
            (if (i32x4.extract_lane 2 (local.get $hit))
              (then
                (i32.store (i32.add (local.get $out) (i32.shl (local.get $written) (i32.const 2)))
                  (i32.add (i32.shr_u (local.get $i) (i32.const 3)) (i32.const 1)))
                (local.set $written (i32.add (local.get $written) (i32.const 1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pair)))
    (local.get $written))

  ;; The subset transforms of ../kernels.ts over `size` doubles at x, in place, with the same
  ;; radix-4 butterflies and the same order of additions, so their results are bit for bit
  ;; those of the JavaScript ones. From the second level on, two neighbouring butterflies
  ;; share each instruction.

  ;; v(T) = sum_{S subset of T} x(S)
  (func (export "zeta") (param $x i32) (param $size i32)
    (local $p i32) (local $end i32) (local $step i32) (local $span i32) (local $block i32)
    (local $q i32) (local $x0 f64) (local $x1 f64) (local $x2 f64)
    (local $v0 v128) (local $v1 v128) (local $v2 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $size) (i32.const 3))))
    (local.set $step (i32.const 1))
    (if (i32.ge_u (local.get $size) (i32.const 4))
      (then
        (local.set $p (local.get $x))
        (block $done
          (loop $quad
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $x0 (f64.load (local.get $p)))
            (local.set $x1 (f64.load offset=8 (local.get $p)))
            (local.set $x2 (f64.load offset=16 (local.get $p)))
            (f64.store offset=8 (local.get $p) (f64.add (local.get $x0) (local.get $x1)))
            (f64.store offset=16 (local.get $p) (f64.add (local.get $x0) (local.get $x2)))
            (f64.store offset=24 (local.get $p)
              (f64.add (f64.load offset=24 (local.get $p))
                (f64.add (f64.add (local.get $x0) (local.get $x1)) (local.get $x2))))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $quad)))
        (local.set $step (i32.const 4))))
    ;; the levels with step >= 4, in bytes from here on
    (local.set $step (i32.shl (local.get $step) (i32.const 3)))
    (block $levels
      (loop $level
        (br_if $levels
          (i32.gt_u (i32.shl (local.get $step) (i32.const 2))
            (i32.shl (local.get $size) (i32.const 3))))
        (br_if $levels (i32.lt_u (local.get $step) (i32.const 16)))
        (local.set $span (i32.shl (local.get $step) (i32.const 2)))
        (local.set $block (local.get $x))
        (block $blocks
          (loop $blockLoop
            (br_if $blocks (i32.ge_u (local.get $block) (local.get $end)))
            (local.set $p (local.get $block))
            (local.set $q (i32.add (local.get $block) (local.get $step)))
            (block $pairs
              (loop $pair
                (br_if $pairs (i32.ge_u (local.get $p) (local.get $q)))
                (local.set $v0 (v128.load (local.get $p)))
                (local.set $v1 (v128.load (i32.add (local.get $p) (local.get $step))))
                (local.set $v2
                  (v128.load (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1)))))
                (v128.store (i32.add (local.get $p) (local.get $step))
                  (f64x2.add (local.get $v0) (local.get $v1)))
                (v128.store (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1)))
                  (f64x2.add (local.get $v0) (local.get $v2)))
                (v128.store (i32.add (local.get $p) (i32.mul (local.get $step) (i32.const 3)))
                  (f64x2.add
                    (v128.load (i32.add (local.get $p) (i32.mul (local.get $step) (i32.const 3))))
                    (f64x2.add (f64x2.add (local.get $v0) (local.get $v1)) (local.get $v2))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br $pair)))
            (local.set $block (i32.add (local.get $block) (local.get $span)))
            (br $blockLoop)))
        (local.set $step (local.get $span))
        (br $level)))
    ;; an odd top bit: one one-bit level
    (if (i32.lt_u (local.get $step) (i32.shl (local.get $size) (i32.const 3)))
      (then
        (local.set $p (local.get $x))
        (local.set $q (i32.add (local.get $x) (local.get $step)))
        (block $done
          (loop $low
            (br_if $done (i32.ge_u (local.get $p) (local.get $q)))
            (f64.store (i32.add (local.get $p) (local.get $step))
              (f64.add (f64.load (i32.add (local.get $p) (local.get $step)))
                (f64.load (local.get $p))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $low))))))

  ;; g(S) = sum_{T superset of S} x(T)
  (func (export "supersetSum") (param $x i32) (param $size i32)
    (local $p i32) (local $end i32) (local $step i32) (local $span i32) (local $block i32)
    (local $q i32) (local $x1 f64) (local $x2 f64) (local $x3 f64)
    (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $size) (i32.const 3))))
    (local.set $step (i32.const 1))
    (if (i32.ge_u (local.get $size) (i32.const 4))
      (then
        (local.set $p (local.get $x))
        (block $done
          (loop $quad
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $x1 (f64.load offset=8 (local.get $p)))
            (local.set $x2 (f64.load offset=16 (local.get $p)))
            (local.set $x3 (f64.load offset=24 (local.get $p)))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.add (f64.add (local.get $x1) (local.get $x2)) (local.get $x3))))
            (f64.store offset=8 (local.get $p) (f64.add (local.get $x1) (local.get $x3)))
            (f64.store offset=16 (local.get $p) (f64.add (local.get $x2) (local.get $x3)))
            (local.set $p (i32.add (local.get $p) (i32.const 32)))
            (br $quad)))
        (local.set $step (i32.const 4))))
    (local.set $step (i32.shl (local.get $step) (i32.const 3)))
    (block $levels
      (loop $level
        (br_if $levels
          (i32.gt_u (i32.shl (local.get $step) (i32.const 2))
            (i32.shl (local.get $size) (i32.const 3))))
        (br_if $levels (i32.lt_u (local.get $step) (i32.const 16)))
        (local.set $span (i32.shl (local.get $step) (i32.const 2)))
        (local.set $block (local.get $x))
        (block $blocks
          (loop $blockLoop
            (br_if $blocks (i32.ge_u (local.get $block) (local.get $end)))
            (local.set $p (local.get $block))
            (local.set $q (i32.add (local.get $block) (local.get $step)))
            (block $pairs
              (loop $pair
                (br_if $pairs (i32.ge_u (local.get $p) (local.get $q)))
                (local.set $v1 (v128.load (i32.add (local.get $p) (local.get $step))))
                (local.set $v2
                  (v128.load (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1)))))
                (local.set $v3
                  (v128.load (i32.add (local.get $p) (i32.mul (local.get $step) (i32.const 3)))))
                (v128.store (local.get $p)
                  (f64x2.add (v128.load (local.get $p))
                    (f64x2.add (f64x2.add (local.get $v1) (local.get $v2)) (local.get $v3))))
                (v128.store (i32.add (local.get $p) (local.get $step))
                  (f64x2.add (local.get $v1) (local.get $v3)))
                (v128.store (i32.add (local.get $p) (i32.shl (local.get $step) (i32.const 1)))
                  (f64x2.add (local.get $v2) (local.get $v3)))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (br $pair)))
            (local.set $block (i32.add (local.get $block) (local.get $span)))
            (br $blockLoop)))
        (local.set $step (local.get $span))
        (br $level)))
    (if (i32.lt_u (local.get $step) (i32.shl (local.get $size) (i32.const 3)))
      (then
        (local.set $p (local.get $x))
        (local.set $q (i32.add (local.get $x) (local.get $step)))
        (block $done
          (loop $low
            (br_if $done (i32.ge_u (local.get $p) (local.get $q)))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.load (i32.add (local.get $p) (local.get $step)))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (br $low))))))
)
