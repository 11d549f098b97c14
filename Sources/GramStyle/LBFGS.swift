import StyleCore

/// L-BFGS, a line-by-line port of PyTorch's `torch.optim.LBFGS` (torch/optim/lbfgs.py): the same
/// two-loop recursion, history update (skipped when yᵀs ≤ 1e-10), initial step min(1, 1/‖g‖₁)·lr,
/// termination tests and `_strong_wolfe` line search with `_cubic_interpolate`, with the same defaults.
///
/// Vectors are float32 like PyTorch's; scalars (loss, step, directional derivatives) are Double.
/// One `step` is one call of PyTorch's `step(closure)` and runs up to `maxIterations` iterations;
/// the state (history, direction, iteration count) carries over between calls just as there.
/// As in PyTorch, the line search may use at most `maxEvaluations` minus the evaluations the step has
/// made so far, so run many iterations in one step: with max_iter = 1 the default budget of 1
/// leaves the strong-Wolfe search no evaluation at all.
public final class LBFGS {
    public enum LineSearch: Sendable, Equatable {
        /// `line_search_fn="strong_wolfe"`: c1 = 1e-4, c2 = 0.9, at most the step's remaining evaluations.
        case strongWolfe
        /// `line_search_fn=None`: x += lr·d, the fixed-step variant.
        case none
    }

    /// f(x) and ∂f/∂x written into the second argument.
    public typealias Evaluate = (_ x: Tensor, _ gradient: Tensor) throws -> LossTerms

    public var learningRate: Double
    public var maxIterations: Int
    public var maxEvaluations: Int
    public var toleranceGrad: Double
    public var toleranceChange: Double
    public var historySize: Int
    public var lineSearch: LineSearch

    /// True once an iteration met one of PyTorch's stopping tests (gradient or change below tolerance).
    public private(set) var converged = false
    /// Function evaluations so far (PyTorch's state["func_evals"]).
    public private(set) var evaluations = 0

    // PyTorch's state: d, t, old_dirs (y), old_stps (s), ro, H_diag, prev_flat_grad, prev_loss, n_iter.
    private var d: Tensor?
    private var t = 0.0
    private var oldDirs: [Tensor] = [], oldSteps: [Tensor] = [], ro: [Double] = []
    private var hDiag = 1.0
    private var prevFlatGrad: Tensor?
    private var prevLoss = 0.0
    private var nIter = 0

    /// PyTorch's defaults: lr 1, max_iter 20, max_eval max_iter·5/4, tolerance_grad 1e-7,
    /// tolerance_change 1e-9, history_size 100, no line search.
    public init(learningRate: Double = 1, maxIterations: Int = 20, maxEvaluations: Int? = nil,
                toleranceGrad: Double = 1e-7, toleranceChange: Double = 1e-9, historySize: Int = 100,
                lineSearch: LineSearch = .none) {
        self.learningRate = learningRate
        self.maxIterations = maxIterations
        self.maxEvaluations = maxEvaluations ?? maxIterations * 5 / 4
        self.toleranceGrad = toleranceGrad
        self.toleranceChange = toleranceChange
        self.historySize = historySize
        self.lineSearch = lineSearch
    }

    /// Up to `maxIterations` iterations on x (updated in place). Returns the loss at x on entry.
    ///
    /// `onIteration(iteration, loss)` runs after each iteration (1-based, counted within this step) with the
    /// latest loss evaluated: at the new x, except after the last iteration of a fixed-step run (PyTorch
    /// does not re-evaluate there; the loss is then the one before the move). It may throw to stop.
    @discardableResult
    public func step(_ x: Tensor, onIteration: ((Int, LossTerms) throws -> Void)? = nil, _ evaluate: Evaluate) throws -> LossTerms {
        let n = x.count
        var flatGrad = Tensor(shape: x.shape)
        let origLoss = try evaluate(x, flatGrad)
        evaluations += 1
        var loss = origLoss
        var currentEvals = 1
        var optCond = maxAbs(flatGrad) <= toleranceGrad
        if optCond { converged = true; return origLoss }

        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            nIter += 1

            // Descent direction.
            let direction: Tensor
            if nIter == 1 {
                direction = scaled(flatGrad, -1)
                oldDirs = []; oldSteps = []; ro = []
                hDiag = 1
            } else {
                let y = Tensor(shape: x.shape), s = Tensor(shape: x.shape)
                let prev = prevFlatGrad!.data, g = flatGrad.data, dd = d!.data, tf = Float(t), yp = y.data, sp = s.data
                parallelChunks(n, minChunk: 1 << 16) { r in for i in r { yp[i] = g[i] - prev[i]; sp[i] = dd[i] * tf } }
                let ys = dot(y, s)
                if ys > 1e-10 {
                    if oldDirs.count == historySize {
                        oldDirs.removeFirst(); oldSteps.removeFirst(); ro.removeFirst()
                    }
                    oldDirs.append(y); oldSteps.append(s); ro.append(1 / ys)
                    hDiag = ys / dot(y, y)
                }
                // Two-loop recursion: q = −g; r = H·q.
                let q = scaled(flatGrad, -1)
                var al = [Double](repeating: 0, count: oldDirs.count)
                for i in stride(from: oldDirs.count - 1, through: 0, by: -1) {
                    al[i] = dot(oldSteps[i], q) * ro[i]
                    addScaledInPlace(q, oldDirs[i], scale: Float(-al[i]))
                }
                let r = scaled(q, Float(hDiag))
                for i in 0..<oldDirs.count {
                    let be = dot(oldDirs[i], r) * ro[i]
                    addScaledInPlace(r, oldSteps[i], scale: Float(al[i] - be))
                }
                direction = r
            }
            d = direction
            if let prevFlatGrad { prevFlatGrad.data.update(from: flatGrad.data, count: n) } else { prevFlatGrad = flatGrad.copy() }
            prevLoss = loss.total

            // Step length.
            t = nIter == 1 ? min(1, 1 / sumAbs(flatGrad)) * learningRate : learningRate
            let gtd = dot(flatGrad, direction)
            if gtd > -toleranceChange { converged = true; break }

            var lsEvals = 0
            switch lineSearch {
            case .strongWolfe:
                let result = try strongWolfe(x: x, t: t, d: direction, f: loss, g: flatGrad, gtd: gtd,
                                             maxLineSearch: maxEvaluations - currentEvals, evaluate)
                (loss, flatGrad, t, lsEvals) = (result.f, result.g, result.t, result.evals)
                addScaledInPlace(x, direction, scale: Float(t))  // PyTorch's p.add_(d, alpha=t)
                optCond = maxAbs(flatGrad) <= toleranceGrad
            case .none:
                addScaledInPlace(x, direction, scale: Float(t))  // PyTorch's p.add_(d, alpha=t)
                if iteration != maxIterations {
                    flatGrad = Tensor(shape: x.shape)
                    loss = try evaluate(x, flatGrad)
                    optCond = maxAbs(flatGrad) <= toleranceGrad
                    lsEvals = 1
                }
            }
            currentEvals += lsEvals
            evaluations += lsEvals

            // Stopping tests (PyTorch checks the last three only before another iteration).
            let tinyStep = maxAbs(direction) * abs(t) <= toleranceChange
            let tinyChange = abs(loss.total - prevLoss) < toleranceChange
            if optCond || tinyStep || (lsEvals > 0 && tinyChange) { converged = true }
            try onIteration?(iteration, loss)
            if iteration == maxIterations { break }
            if currentEvals >= maxEvaluations { break }
            if optCond || tinyStep || tinyChange { break }
        }
        return origLoss
    }

    /// PyTorch's `_strong_wolfe` (c1 = 1e-4, c2 = 0.9; `step` passes max_ls = max_eval − evaluations so far):
    /// bracketing, then zoom with cubic interpolation and the 0.1-of-bracket safeguard.
    private func strongWolfe(x: Tensor, t initialT: Double, d: Tensor, f: LossTerms, g: Tensor, gtd: Double,
                             c1: Double = 1e-4, c2: Double = 0.9, maxLineSearch: Int, _ evaluate: Evaluate)
        throws -> (f: LossTerms, g: Tensor, t: Double, evals: Int) {
        var t = initialT
        let dNorm = maxAbs(d)
        let trial = Tensor(shape: x.shape)
        func directional(_ t: Double) throws -> (LossTerms, Tensor, Double) {
            let tf = Float(t), xs = x.data, ds = d.data, p = trial.data
            for i in 0..<x.count { p[i] = xs[i] + tf * ds[i] }
            let grad = Tensor(shape: x.shape)
            let value = try evaluate(trial, grad)
            return (value, grad, dot(grad, d))
        }
        var (fNew, gNew, gtdNew) = try directional(t)
        var evals = 1
        var (tPrev, fPrev, gPrev, gtdPrev) = (0.0, f, g, gtd)
        var done = false
        var lsIter = 0
        var bracket: [Double] = [], bracketF: [LossTerms] = [], bracketG: [Tensor] = [], bracketGtd: [Double] = []
        while lsIter < maxLineSearch {
            if fNew.total > f.total + c1 * t * gtd || (lsIter > 1 && fNew.total >= fPrev.total) {
                bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
                break
            }
            if abs(gtdNew) <= -c2 * gtd {
                bracket = [t]; bracketF = [fNew]; bracketG = [gNew]
                done = true
                break
            }
            if gtdNew >= 0 {
                bracket = [tPrev, t]; bracketF = [fPrev, fNew]; bracketG = [gPrev, gNew]; bracketGtd = [gtdPrev, gtdNew]
                break
            }
            let minStep = t + 0.01 * (t - tPrev), maxStep = t * 10
            let tmp = t
            t = cubicInterpolate(tPrev, fPrev.total, gtdPrev, t, fNew.total, gtdNew, bounds: (minStep, maxStep))
            (tPrev, fPrev, gPrev, gtdPrev) = (tmp, fNew, gNew, gtdNew)
            (fNew, gNew, gtdNew) = try directional(t)
            evals += 1
            lsIter += 1
        }
        if lsIter == maxLineSearch {
            bracket = [0, t]; bracketF = [f, fNew]; bracketG = [g, gNew]
        }

        // Zoom: shrink the bracket until a point meets the strong Wolfe conditions.
        var insufficientProgress = false
        var (low, high) = bracketF[0].total <= bracketF[bracketF.count - 1].total ? (0, 1) : (1, 0)
        while !done && lsIter < maxLineSearch {
            if abs(bracket[1] - bracket[0]) * dNorm < toleranceChange { break }
            t = cubicInterpolate(bracket[0], bracketF[0].total, bracketGtd[0], bracket[1], bracketF[1].total, bracketGtd[1])
            let hi = max(bracket[0], bracket[1]), lo = min(bracket[0], bracket[1])
            let eps = 0.1 * (hi - lo)
            if min(hi - t, t - lo) < eps {
                if insufficientProgress || t >= hi || t <= lo {
                    t = abs(t - hi) < abs(t - lo) ? hi - eps : lo + eps
                    insufficientProgress = false
                } else {
                    insufficientProgress = true
                }
            } else {
                insufficientProgress = false
            }
            (fNew, gNew, gtdNew) = try directional(t)
            evals += 1
            lsIter += 1
            if fNew.total > f.total + c1 * t * gtd || fNew.total >= bracketF[low].total {
                bracket[high] = t; bracketF[high] = fNew; bracketG[high] = gNew; bracketGtd[high] = gtdNew
                (low, high) = bracketF[0].total <= bracketF[1].total ? (0, 1) : (1, 0)
            } else {
                if abs(gtdNew) <= -c2 * gtd {
                    done = true
                } else if gtdNew * (bracket[high] - bracket[low]) >= 0 {
                    bracket[high] = bracket[low]; bracketF[high] = bracketF[low]
                    bracketG[high] = bracketG[low]; bracketGtd[high] = bracketGtd[low]
                }
                bracket[low] = t; bracketF[low] = fNew; bracketG[low] = gNew; bracketGtd[low] = gtdNew
            }
        }
        return (bracketF[low], bracketG[low], bracket[low], evals)
    }
}

/// PyTorch's `_cubic_interpolate`: minimiser of the cubic through (x1,f1,g1), (x2,f2,g2), clamped to bounds
/// (default: the interval between x1 and x2); the bounds' midpoint when the cubic has no minimum.
func cubicInterpolate(_ x1: Double, _ f1: Double, _ g1: Double, _ x2: Double, _ f2: Double, _ g2: Double,
                      bounds: (Double, Double)? = nil) -> Double {
    let (lo, hi) = bounds ?? (x1 <= x2 ? (x1, x2) : (x2, x1))
    let d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    let d2Square = d1 * d1 - g1 * g2
    guard d2Square >= 0 else { return (lo + hi) / 2 }
    let d2 = d2Square.squareRoot()
    let minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                          : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minPos, lo), hi)
}

// MARK: - Vector helpers over whole tensors (flattened), parallel and vectorised: at 512² the
// two-loop recursion makes 4·history passes over 3·H·W floats per iteration.

/// ⟨a, b⟩: float32 SIMD partial sums over blocks of 4096, added in Double.
func dot(_ a: Tensor, _ b: Tensor) -> Double {
    let n = a.count, p = a.data, q = b.data, block = 4096
    let blocks = (n + block - 1) / block
    var partial = [Double](repeating: 0, count: blocks)
    partial.withUnsafeMutableBufferPointer { out in
        let out = out.baseAddress!
        parallelChunks(blocks, minChunk: 16) { range in
            for blk in range {
                let start = blk * block, end = min(n, start + block)
                var acc = SIMD8<Float>()
                var i = start
                while i + 8 <= end {
                    acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                        * UnsafeRawPointer(q + i).loadUnaligned(as: SIMD8<Float>.self)
                    i += 8
                }
                var s = Double(acc.sum())
                while i < end { s += Double(p[i] * q[i]); i += 1 }
                out[blk] = s
            }
        }
    }
    return partial.reduce(0, +)
}

func scaled(_ x: Tensor, _ k: Float) -> Tensor {
    let y = Tensor(shape: x.shape), p = x.data, q = y.data
    parallelChunks(x.count, minChunk: 1 << 16) { r in for i in r { q[i] = p[i] * k } }
    return y
}

func maxAbs(_ x: Tensor) -> Double { Double(x.maxAbs) }

func sumAbs(_ x: Tensor) -> Double {
    var s = 0.0
    for i in 0..<x.count { s += Double(abs(x[i])) }
    return s
}
