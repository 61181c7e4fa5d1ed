;; The dual simplex's work over all 2^n rows and 2^(n+1) term columns in a pivot
;; (../dualSimplex.ts), two doubles per instruction: the ratio test's column scan, the subset
;; transforms, the price and fit updates and the path's row breakpoint. In JavaScript these
;; loops were about half of a pivot's time. Pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 1))

  ;; The ratio test's scan, without a branch per column. Columns are ids 0 .. count - 1 (even)
  ;; of three arrays of doubles: alpha (the pivot row's product with the column), price (the
  ;; column's dual price) and blocked (+1 or -1: that signed part is basic; NaN: never a
  ;; candidate; 0: free). A column's candidate part has the sign s of direction * alpha, the
  ;; slack max(1 - s price, 0), and may enter if |alpha| exceeds the pivot tolerance and
  ;; s blocked < 1. Stores Harris' relaxed bound, the least (slack + dualTolerance) / |alpha|,
  ;; at bound, and writes to out (32-bit integers, in id order) every column whose
  ;; slack / |alpha| is within that bound as it stood when the column was read: a superset of
  ;; the columns within the final bound, which the caller then picks out. Returns how many.
  (func (export "scanColumns")
    (param $alpha i32) (param $price i32) (param $blocked i32) (param $count i32)
    (param $direction f64) (param $pivotTolerance f64) (param $dualTolerance f64)
    (param $bound i32) (param $out i32)
    (result i32)
    (local $i i32) (local $end i32) (local $best v128) (local $slack v128)
    (local $magnitude v128) (local $valid v128) (local $a v128) (local $sign v128)
    (local $directions v128) (local $tolerances v128) (local $hit v128) (local $written i32)
    (local.set $directions (f64x2.splat (local.get $direction)))
    (local.set $tolerances (f64x2.splat (local.get $pivotTolerance)))
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (local.set $best (f64x2.splat (f64.const inf)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
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
        (local.set $hit
          (v128.and (local.get $valid)
            (f64x2.le (f64x2.div (local.get $slack) (local.get $magnitude)) (local.get $best))))
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
    (f64.store (local.get $bound)
      (f64.min (f64x2.extract_lane 0 (local.get $best)) (f64x2.extract_lane 1 (local.get $best))))
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

  ;; a[i] += fa x[i] and b[i] += fb x[i] for i < count (even): the prices after a dual step,
  ;; the fits after a primal one
  (func (export "addScaledPair")
    (param $a i32) (param $b i32) (param $x i32) (param $fa f64) (param $fb f64) (param $count i32)
    (local $i i32) (local $end i32) (local $va v128) (local $vb v128) (local $v v128)
    (local.set $va (f64x2.splat (local.get $fa)))
    (local.set $vb (f64x2.splat (local.get $fb)))
    (local.set $end (i32.shl (local.get $count) (i32.const 3)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $a) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $a) (local.get $i)))
            (f64x2.mul (local.get $va) (local.get $v))))
        (v128.store (i32.add (local.get $b) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $b) (local.get $i)))
            (f64x2.mul (local.get $vb) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pair))))

  ;; out[m] += total - x[size - 1 - m] for m < size (even): the OR terms' part of a fit,
  ;; sum_{S meets T} or(S) = total - sum_{S subset of N \ T} or(S), from x = zeta(or)
  (func (export "addComplement")
    (param $out i32) (param $x i32) (param $size i32) (param $total f64)
    (local $i i32) (local $end i32) (local $reversed i32) (local $totals v128)
    (local.set $totals (f64x2.splat (local.get $total)))
    (local.set $end (i32.shl (local.get $size) (i32.const 3)))
    (local.set $reversed (i32.sub (i32.add (local.get $x) (local.get $end)) (i32.const 16)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f64x2.add (v128.load (i32.add (local.get $out) (local.get $i)))
            (f64x2.sub (local.get $totals)
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                (v128.load (local.get $reversed)) (v128.load (local.get $reversed))))))
        (local.set $reversed (i32.sub (local.get $reversed) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pair))))

  ;; The next breakpoint of the path (../dualSimplex.ts): the least t in [current, 1) at which
  ;; a row that is not tight (tight[row] = 0) has its noise r + t q, r = v0 - baseFit,
  ;; q = dv - slopeFit, leave [-kappa(t), kappa(t)], kappa(t) = kappa0 + t dKappa; a row
  ;; already outside counts at `current`. Ties go to the first row, and within a row to its
  ;; upper bound. Writes t, the row (-1 if none) and the direction (+1: the noise crosses
  ;; +kappa) as three doubles to out; size must be even.
  (func (export "rowBreakpoint")
    (param $v0 i32) (param $dv i32) (param $baseFit i32) (param $slopeFit i32) (param $tight i32)
    (param $size i32) (param $kappa0 f64) (param $dKappa f64) (param $current f64)
    (param $slopeTolerance f64) (param $out i32)
    (local $i i32) (local $end i32) (local $r v128) (local $q v128) (local $up v128)
    (local $low v128) (local $tUp v128) (local $tLow v128) (local $t v128) (local $upper v128)
    (local $best v128) (local $bestRow v128) (local $bestUpper v128) (local $rows v128)
    (local $better v128) (local $kappas v128) (local $dKappas v128) (local $tolerances v128)
    (local $infinity v128) (local $t0 f64) (local $t1 f64) (local $lane i32)
    (local.set $kappas (f64x2.splat (local.get $kappa0)))
    (local.set $dKappas (f64x2.splat (local.get $dKappa)))
    (local.set $tolerances (f64x2.splat (local.get $slopeTolerance)))
    (local.set $infinity (f64x2.splat (f64.const inf)))
    (local.set $best (f64x2.splat (f64.const 1)))
    (local.set $bestRow (f64x2.splat (f64.const -1)))
    (local.set $rows (v128.const f64x2 0 1))
    (local.set $end (i32.shl (local.get $size) (i32.const 3)))
    (block $done
      (loop $pair
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $r
          (f64x2.sub (v128.load (i32.add (local.get $v0) (local.get $i)))
            (v128.load (i32.add (local.get $baseFit) (local.get $i)))))
        (local.set $q
          (f64x2.sub (v128.load (i32.add (local.get $dv) (local.get $i)))
            (v128.load (i32.add (local.get $slopeFit) (local.get $i)))))
        ;; upper: (r - kappa0) + t (q - dKappa) = 0; lower: (r + kappa0) + t (q + dKappa) = 0
        (local.set $up (f64x2.sub (local.get $q) (local.get $dKappas)))
        (local.set $low (f64x2.neg (f64x2.add (local.get $q) (local.get $dKappas))))
        (local.set $tUp
          (v128.bitselect
            (f64x2.div (f64x2.sub (local.get $kappas) (local.get $r)) (local.get $up))
            (local.get $infinity)
            (f64x2.gt (local.get $up) (local.get $tolerances))))
        (local.set $tLow
          (v128.bitselect
            (f64x2.div (f64x2.add (local.get $r) (local.get $kappas)) (local.get $low))
            (local.get $infinity)
            (f64x2.gt (local.get $low) (local.get $tolerances))))
        (local.set $upper (f64x2.le (local.get $tUp) (local.get $tLow)))
        (local.set $t (v128.bitselect (local.get $tUp) (local.get $tLow) (local.get $upper)))
        (local.set $better
          (v128.and (f64x2.lt (local.get $t) (local.get $best))
            (f64x2.eq (v128.load (i32.add (local.get $tight) (local.get $i)))
              (v128.const f64x2 0 0))))
        (local.set $best (v128.bitselect (local.get $t) (local.get $best) (local.get $better)))
        (local.set $bestRow
          (v128.bitselect (local.get $rows) (local.get $bestRow) (local.get $better)))
        (local.set $bestUpper
          (v128.bitselect (local.get $upper) (local.get $bestUpper) (local.get $better)))
        (local.set $rows (f64x2.add (local.get $rows) (v128.const f64x2 2 2)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $pair)))
    ;; the better lane: the lesser t, on a tie the lesser row (lane 0's rows are even)
    (local.set $t0 (f64x2.extract_lane 0 (local.get $best)))
    (local.set $t1 (f64x2.extract_lane 1 (local.get $best)))
    (local.set $lane
      (i32.or (f64.lt (local.get $t1) (local.get $t0))
        (i32.and (f64.eq (local.get $t1) (local.get $t0))
          (f64.lt (f64x2.extract_lane 1 (local.get $bestRow))
            (f64x2.extract_lane 0 (local.get $bestRow))))))
    (if (local.get $lane)
      (then
        (local.set $t0 (local.get $t1))
        (local.set $bestRow (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
          (local.get $bestRow) (local.get $bestRow)))
        (local.set $bestUpper (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
          (local.get $bestUpper) (local.get $bestUpper)))))
    (f64.store (local.get $out) (f64.max (local.get $t0) (local.get $current)))
    (f64.store offset=8 (local.get $out) (f64x2.extract_lane 0 (local.get $bestRow)))
    (f64.store offset=16 (local.get $out)
      (select (f64.const 1) (f64.const -1) (i32x4.extract_lane 0 (local.get $bestUpper))))
    ;; no row: t stays 1
    (if (f64.lt (f64x2.extract_lane 0 (local.get $bestRow)) (f64.const 0))
      (then (f64.store (local.get $out) (f64.const 1)))))
)
