;; The basis inverse's O(k^2) loops (../basisInverse.ts) with 128-bit SIMD, two doubles per
;; instruction: V8 does not vectorise the same loops written in JavaScript, and these take a
;; third of a pivot's time. Matrices are row-major with a stride of `cap` doubles; every
;; pointer is a byte offset into the imported memory, which ./instantiate.ts sizes rather
;; than grows (see there).
(module
  (import "env" "memory" (memory 1))

  ;; x[j] = sum_{i < cols} A[j, i] b[i] for j < rows
  (func (export "matvec")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $b i32) (param $x i32)
    (local $row i32) (local $stride i32) (local $pairs i32) (local $i i32) (local $end i32)
    (local $acc v128) (local $total f64)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $row (local.get $a))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $acc (v128.const f64x2 0 0))
        (local.set $i (i32.const 0))
        (block $last
          (loop $pair
            (br_if $last (i32.ge_u (local.get $i) (local.get $pairs)))
            (local.set $acc
              (f64x2.add (local.get $acc)
                (f64x2.mul
                  (v128.load (i32.add (local.get $row) (local.get $i)))
                  (v128.load (i32.add (local.get $b) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $pair)))
        (local.set $total
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then
            (local.set $total
              (f64.add (local.get $total)
                (f64.mul
                  (f64.load (i32.add (local.get $row) (local.get $pairs)))
                  (f64.load (i32.add (local.get $b) (local.get $pairs))))))))
        (f64.store (local.get $x) (local.get $total))
        (local.set $x (i32.add (local.get $x) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows))))

  ;; A[j, i] += f[j] v[i] for j < rows, i < cols; rows with f[j] = 0 are not touched, so v
  ;; may be one of those rows
  (func $rank1 (export "rank1")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $f i32) (param $v i32)
    (local $row i32) (local $stride i32) (local $pairs i32) (local $i i32) (local $end i32)
    (local $p i32) (local $factor f64) (local $splat v128)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $row (local.get $a))
    (local.set $end (i32.add (local.get $f) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $f) (local.get $end)))
        (local.set $factor (f64.load (local.get $f)))
        (if (f64.ne (local.get $factor) (f64.const 0))
          (then
            (local.set $splat (f64x2.splat (local.get $factor)))
            (local.set $i (i32.const 0))
            (block $last
              (loop $pair
                (br_if $last (i32.ge_u (local.get $i) (local.get $pairs)))
                (local.set $p (i32.add (local.get $row) (local.get $i)))
                (v128.store (local.get $p)
                  (f64x2.add (v128.load (local.get $p))
                    (f64x2.mul (local.get $splat)
                      (v128.load (i32.add (local.get $v) (local.get $i))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $pair)))
            (if (i32.and (local.get $cols) (i32.const 1))
              (then
                (local.set $p (i32.add (local.get $row) (local.get $pairs)))
                (f64.store (local.get $p)
                  (f64.add (f64.load (local.get $p))
                    (f64.mul (local.get $factor)
                      (f64.load (i32.add (local.get $v) (local.get $pairs))))))))))
        (local.set $f (i32.add (local.get $f) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows))))

  ;; y[i] += sum_{j < rows} c[j] A[j, i] for i < cols: the rank-1 loop with y as the one row
  (func (export "addRows")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $c i32) (param $y i32)
    (local $row i32) (local $stride i32) (local $end i32)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $row (local.get $a))
    (local.set $end (i32.add (local.get $c) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
        (call $rank1 (local.get $y) (i32.const 0) (i32.const 1) (local.get $cols) (local.get $c) (local.get $row))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows)))))
