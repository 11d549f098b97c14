import Foundation
import StyleTransfer

extension StyleOptions {
    /// Gram mode on the seeded random network (no weights at the path), long side 32, 3 Adam steps at
    /// one scale: a whole stylisation in well under a second.
    static func fastGram() -> StyleOptions {
        var options = StyleOptions()
        options.mode = .gram
        options.size = 32
        options.gram.steps = 3
        options.gram.scales = []
        options.gram.optimizer = .adam
        options.gram.learningRate = 0.05
        return options
    }
}

/// A directory without weight files: the seeded random network runs.
let noWeights = WeightsLocation.directory(NSTemporaryDirectory() + "/no-weights-here-\(getpid())")
