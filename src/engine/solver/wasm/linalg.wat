;; The basis inverse's O(k^2) loops (../basisInverse.ts) with 128-bit SIMD, two doubles per
;; instruction: V8 does not vectorise the same loops written in JavaScript, and these take a
;; third of a pivot's time. Matrices are row-major with a stride of `cap` doubles; every
;; pointer is a byte offset into the imported memory, which ./instantiate.ts sizes rather
;; than grows (see there).
(module
  (import "env" "memory" (memory 1))

  ;; x[j] = sum_{i < cols} A[j, i] b[i] for j < rows; two partial sums (even and odd pairs of
  ;; columns) so that consecutive additions do not wait for each other
  (func (export "matvec")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $b i32) (param $x i32)
    (local $row i32) (local $stride i32) (local $quads i32) (local $pairs i32) (local $i i32)
    (local $end i32) (local $even v128) (local $odd v128) (local $total f64)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $quads (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 3)))
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $row (local.get $a))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $even (v128.const f64x2 0 0))
        (local.set $odd (v128.const f64x2 0 0))
        (local.set $i (i32.const 0))
        (block $quadsDone
          (loop $quad
            (br_if $quadsDone (i32.ge_u (local.get $i) (local.get $quads)))
            (local.set $even
              (f64x2.add (local.get $even)
                (f64x2.mul
                  (v128.load (i32.add (local.get $row) (local.get $i)))
                  (v128.load (i32.add (local.get $b) (local.get $i))))))
            (local.set $odd
              (f64x2.add (local.get $odd)
                (f64x2.mul
                  (v128.load offset=16 (i32.add (local.get $row) (local.get $i)))
                  (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 32)))
            (br $quad)))
        (if (i32.lt_u (local.get $i) (local.get $pairs))
          (then
            (local.set $even
              (f64x2.add (local.get $even)
                (f64x2.mul
                  (v128.load (i32.add (local.get $row) (local.get $i)))
                  (v128.load (i32.add (local.get $b) (local.get $i))))))))
        (local.set $even (f64x2.add (local.get $even) (local.get $odd)))
        (local.set $total
          (f64.add (f64x2.extract_lane 0 (local.get $even)) (f64x2.extract_lane 1 (local.get $even))))
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
  ;; may be one of those rows. Eight doubles per iteration, then a pair, then a single one.
  (func $rank1 (export "rank1")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $f i32) (param $v i32)
    (local $row i32) (local $stride i32) (local $octets i32) (local $pairs i32) (local $p i32)
    (local $q i32) (local $stop i32) (local $end i32) (local $factor f64) (local $splat v128)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $octets (i32.shl (i32.and (local.get $cols) (i32.const -8)) (i32.const 3)))
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
            (local.set $p (local.get $row))
            (local.set $q (local.get $v))
            (local.set $stop (i32.add (local.get $row) (local.get $octets)))
            (block $octetsDone
              (loop $octet
                (br_if $octetsDone (i32.ge_u (local.get $p) (local.get $stop)))
                (v128.store (local.get $p)
                  (f64x2.add (v128.load (local.get $p))
                    (f64x2.mul (local.get $splat) (v128.load (local.get $q)))))
                (v128.store offset=16 (local.get $p)
                  (f64x2.add (v128.load offset=16 (local.get $p))
                    (f64x2.mul (local.get $splat) (v128.load offset=16 (local.get $q)))))
                (v128.store offset=32 (local.get $p)
                  (f64x2.add (v128.load offset=32 (local.get $p))
                    (f64x2.mul (local.get $splat) (v128.load offset=32 (local.get $q)))))
                (v128.store offset=48 (local.get $p)
                  (f64x2.add (v128.load offset=48 (local.get $p))
                    (f64x2.mul (local.get $splat) (v128.load offset=48 (local.get $q)))))
                (local.set $p (i32.add (local.get $p) (i32.const 64)))
                (local.set $q (i32.add (local.get $q) (i32.const 64)))
                (br $octet)))
            (local.set $stop (i32.add (local.get $row) (local.get $pairs)))
            (block $pairsDone
              (loop $pair
                (br_if $pairsDone (i32.ge_u (local.get $p) (local.get $stop)))
                (v128.store (local.get $p)
                  (f64x2.add (v128.load (local.get $p))
                    (f64x2.mul (local.get $splat) (v128.load (local.get $q)))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $pair)))
            (if (i32.and (local.get $cols) (i32.const 1))
              (then
                (f64.store (local.get $p)
                  (f64.add (f64.load (local.get $p))
                    (f64.mul (local.get $factor) (f64.load (local.get $q)))))))))
        (local.set $f (i32.add (local.get $f) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows))))

  ;; y[i] += sum_{j < rows} c[j] A[j, i] for i < cols, rows with c[j] = 0 skipped; the others
  ;; two at a time, y[i] + c[j] A[j, i] + c[j'] A[j', i] in that order, as one row after the
  ;; other would add them
  (func (export "addRows")
    (param $a i32) (param $cap i32) (param $rows i32) (param $cols i32) (param $c i32) (param $y i32)
    (local $row i32) (local $stride i32) (local $end i32) (local $pending i32) (local $first f64)
    (local $second f64) (local $pairs i32) (local $i i32) (local $p i32)
    (local $one v128) (local $two v128)
    (local.set $stride (i32.shl (local.get $cap) (i32.const 3)))
    (local.set $pairs (i32.shl (i32.and (local.get $cols) (i32.const -2)) (i32.const 3)))
    (local.set $row (local.get $a))
    (local.set $pending (i32.const -1))
    (local.set $end (i32.add (local.get $c) (i32.shl (local.get $rows) (i32.const 3))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
        (local.set $second (f64.load (local.get $c)))
        (if (f64.ne (local.get $second) (f64.const 0))
          (then
            (if (i32.lt_s (local.get $pending) (i32.const 0))
              (then
                (local.set $pending (local.get $row))
                (local.set $first (local.get $second)))
              (else
                (local.set $one (f64x2.splat (local.get $first)))
                (local.set $two (f64x2.splat (local.get $second)))
                (local.set $i (i32.const 0))
                (block $pairsDone
                  (loop $pair
                    (br_if $pairsDone (i32.ge_u (local.get $i) (local.get $pairs)))
                    (local.set $p (i32.add (local.get $y) (local.get $i)))
                    (v128.store (local.get $p)
                      (f64x2.add
                        (f64x2.add (v128.load (local.get $p))
                          (f64x2.mul (local.get $one)
                            (v128.load (i32.add (local.get $pending) (local.get $i)))))
                        (f64x2.mul (local.get $two)
                          (v128.load (i32.add (local.get $row) (local.get $i))))))
                    (local.set $i (i32.add (local.get $i) (i32.const 16)))
                    (br $pair)))
                (if (i32.and (local.get $cols) (i32.const 1))
                  (then
                    (local.set $p (i32.add (local.get $y) (local.get $pairs)))
                    (f64.store (local.get $p)
                      (f64.add
                        (f64.add (f64.load (local.get $p))
                          (f64.mul (local.get $first)
                            (f64.load (i32.add (local.get $pending) (local.get $pairs)))))
                        (f64.mul (local.get $second)
                          (f64.load (i32.add (local.get $row) (local.get $pairs))))))))
                (local.set $pending (i32.const -1))))))
        (local.set $c (i32.add (local.get $c) (i32.const 8)))
        (local.set $row (i32.add (local.get $row) (local.get $stride)))
        (br $rows)))
    ;; a row left without a partner
    (if (i32.ge_s (local.get $pending) (i32.const 0))
      (then
        (local.set $one (f64x2.splat (local.get $first)))
        (local.set $i (i32.const 0))
        (block $pairsDone
          (loop $pair
            (br_if $pairsDone (i32.ge_u (local.get $i) (local.get $pairs)))
            (local.set $p (i32.add (local.get $y) (local.get $i)))
            (v128.store (local.get $p)
              (f64x2.add (v128.load (local.get $p))
                (f64x2.mul (local.get $one)
                  (v128.load (i32.add (local.get $pending) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $pair)))
        (if (i32.and (local.get $cols) (i32.const 1))
          (then
            (local.set $p (i32.add (local.get $y) (local.get $pairs)))
            (f64.store (local.get $p)
              (f64.add (f64.load (local.get $p))
                (f64.mul (local.get $first)
                  (f64.load (i32.add (local.get $pending) (local.get $pairs)))))))))))
)
