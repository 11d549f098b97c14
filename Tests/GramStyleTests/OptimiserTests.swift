import StyleCore
import StyleIO
import TensorTestSupport
import XCTest
@testable import GramStyle

/// L-BFGS and Adam against torch.optim on the small seeded network, plus plain-function checks.
final class OptimiserTests: XCTestCase {
    func optimiserCase(_ name: String) -> [String: Any] {
        (Fixtures.cases["optimiser_cases"] as! [[String: Any]]).first { $0["name"] as! String == name }!
    }

    func objective(_ c: [String: Any]) throws -> GramObjective {
        let net = try Fixtures.network("small", VGGLayout(rawValue: c["layout"] as! String)!)
        return try GramObjective(network: net, content: try Fixtures.load("content"), style: try Fixtures.load("style"),
                                 options: Fixtures.options(c))
    }

    /// 10 iterations in one step, the loss after each within 1e-3 of PyTorch's (relative).
    func runLBFGS(_ name: String, lineSearch: LBFGS.LineSearch) throws {
        let c = optimiserCase(name)
        let objective = try self.objective(c)
        let expected = c["losses"] as! [Double]
        let x = try Fixtures.load("start")
        let lbfgs = LBFGS(learningRate: c["lr"] as? Double ?? 1, maxIterations: 10, maxEvaluations: c["max_eval"] as? Int,
                          lineSearch: lineSearch)
        var losses: [Double] = []
        try lbfgs.step(x, onIteration: { _, loss in losses.append(loss.total) }) { try objective.evaluate($0, gradient: $1) }
        // The fixed-step variant does not evaluate after its last move.
        if lineSearch == .none { losses[9] = try objective.evaluate(x).total }
        XCTAssertEqual(losses.count, 10)
        var worst = 0.0
        for (i, (ours, theirs)) in zip(losses, expected).enumerated() {
            worst = max(worst, relativeError(ours, theirs))
            XCTAssertLessThanOrEqual(relativeError(ours, theirs), 1e-3, "\(name) iteration \(i + 1): \(ours) vs \(theirs)")
        }
        assertClose(x, try Fixtures.load("\(name)_final"), relative: 1e-3, minimumScale: 0, "\(name) final image")
        print("\(name): worst relative loss error \(worst), final image max error \(maxDifference(x, try Fixtures.load("\(name)_final")))")
    }

    func testLBFGSStrongWolfeMatchesPyTorch() throws { try runLBFGS("lbfgs_strong_wolfe", lineSearch: .strongWolfe) }

    func testLBFGSFixedStepMatchesPyTorch() throws { try runLBFGS("lbfgs_fixed_step", lineSearch: .none) }

    /// PyTorch's default budget max_eval = 12 for 10 iterations: same stopping point and evaluation count.
    func testLBFGSDefaultEvaluationBudgetMatchesPyTorch() throws {
        let c = optimiserCase("lbfgs_default_budget")
        let objective = try self.objective(c)
        let x = try Fixtures.load("start")
        let lbfgs = LBFGS(maxIterations: 10, lineSearch: .strongWolfe)
        try lbfgs.step(x) { try objective.evaluate($0, gradient: $1) }
        XCTAssertEqual(lbfgs.evaluations, c["func_evals"] as! Int)
        let loss = try objective.evaluate(x).total, expected = (c["losses"] as! [Double])[0]
        XCTAssertLessThanOrEqual(relativeError(loss, expected), 1e-3, "\(loss) vs \(expected)")
    }

    /// Adam on Σ c(x − t)²/2, whose gradient is exact in float32 on both sides: 25 steps agree to rounding.
    func testAdamMatchesPyTorchOnAQuadratic() throws {
        let q = try Fixtures.load("adam_quadratic")  // rows: c, t, x0, x after 25 steps (lr 0.05)
        let n = q.shape[1]
        let c = Array(q.values[0..<n]), t = Array(q.values[n..<2 * n])
        let x = Tensor(shape: [n], values: Array(q.values[2 * n..<3 * n])), expected = Tensor(shape: [n], values: Array(q.values[3 * n..<4 * n]))
        let adam = Adam(learningRate: 0.05)
        let g = Tensor(shape: [n])
        for _ in 0..<25 {
            for i in 0..<n { g[i] = c[i] * (x[i] - t[i]) }
            adam.step(x, gradient: g)
        }
        XCTAssertLessThanOrEqual(maxDifference(x, expected), 1e-6)
        print("adam quadratic: max error \(maxDifference(x, expected))")
    }

    /// 10 Adam steps (lr 0.01) on the small network: image within 1e-5, losses within 1e-4 relative.
    func testAdamMatchesPyTorchOnTheNetwork() throws {
        let c = optimiserCase("adam")
        let objective = try self.objective(c)
        let x = try Fixtures.load("start"), g = Tensor(shape: x.shape)
        let adam = Adam(learningRate: 0.01)
        for (i, expected) in (c["losses"] as! [Double]).enumerated() {
            _ = try objective.evaluate(x, gradient: g)
            adam.step(x, gradient: g)
            let loss = try objective.evaluate(x).total
            XCTAssertLessThanOrEqual(relativeError(loss, expected), 1e-4, "step \(i + 1): \(loss) vs \(expected)")
        }
        let err = maxDifference(x, try Fixtures.load("adam_final"))
        XCTAssertLessThanOrEqual(err, 1e-5)
        print("adam network: final image max error \(err)")
    }

    /// The cubic's minimiser, bounds and the no-minimum fallback, as PyTorch's `_cubic_interpolate`.
    func testCubicInterpolation() {
        // f = (t − 1)² sampled at 0 and 3: the cubic through it is that parabola, minimum at 1.
        XCTAssertEqual(cubicInterpolate(0, 1, -2, 3, 4, 4), 1, accuracy: 1e-12)
        XCTAssertEqual(cubicInterpolate(3, 4, 4, 0, 1, -2), 1, accuracy: 1e-12)
        XCTAssertEqual(cubicInterpolate(0, 1, -2, 3, 4, 4, bounds: (1.5, 2)), 1.5)
        // d1² − g1·g2 < 0: the midpoint of the bounds.
        XCTAssertEqual(cubicInterpolate(0, 0, 1, 1, 2.0 / 3, 1), 0.5)
    }

    /// Strong-Wolfe L-BFGS minimises the 2-D Rosenbrock function from (−1.5, 2).
    func testLBFGSMinimisesRosenbrock() throws {
        let x = Tensor(shape: [2], values: [-1.5, 2])
        let lbfgs = LBFGS(maxIterations: 200, maxEvaluations: 400, lineSearch: .strongWolfe)
        try lbfgs.step(x) { p, g in
            let a = Double(p[0]), b = Double(p[1])
            g[0] = Float(-2 * (1 - a) - 400 * a * (b - a * a)); g[1] = Float(200 * (b - a * a))
            return LossTerms(total: (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a))
        }
        XCTAssertEqual(x[0], 1, accuracy: 1e-3)
        XCTAssertEqual(x[1], 1, accuracy: 2e-3)
        XCTAssertTrue(lbfgs.converged)
    }
}
