import GramStyle
import StyleCore
import StyleTransfer
import XCTest

/// The one validated boundary: every field's range, named by field, and the text form the service reads.
final class StyleOptionsTests: XCTestCase {
    func assertInvalid(_ change: (inout StyleOptions) throws -> Void, styleCount: Int? = nil, _ expected: InvalidOption,
                       file: StaticString = #filePath, line: UInt = #line) {
        var options = StyleOptions()
        XCTAssertNoThrow(try change(&options), file: file, line: line)
        XCTAssertThrowsError(try options.validate(styleCount: styleCount), file: file, line: line) {
            XCTAssertEqual($0 as? InvalidOption, expected, file: file, line: line)
        }
    }

    func testEveryRangeIsCheckedByField() throws {
        XCTAssertNoThrow(try StyleOptions().validate(styleCount: 1))
        assertInvalid({ $0.size = 15 }, InvalidOption("size", "must be between 16 and 16384 pixels, not 15"))
        assertInvalid({ $0.styleSize = 8 }, InvalidOption("style_size", "must be 0 (keep) or between 16 and 16384 pixels, not 8"))
        assertInvalid({ $0.quality = 0 }, InvalidOption("quality", "must be between 1 and 100, not 0"))
        assertInvalid({ $0.maxPixels = 0 }, InvalidOption("max_pixels", "must be positive, not 0"))
        assertInvalid({ $0.alpha = 1.5 }, InvalidOption("alpha", "must be between 0 and 1, not 1.5"))
        assertInvalid({ $0.styleBlend = [-1, 1] }, InvalidOption("style_blend", "weights must be 0 or more with at least one above 0, not -1.0,1.0"))
        assertInvalid({ $0.styleBlend = [0, 0] }, styleCount: 2, InvalidOption("style_blend", "weights must be 0 or more with at least one above 0, not 0.0,0.0"))
        assertInvalid({ $0.styleBlend = [1] }, styleCount: 2, InvalidOption("style_blend", "needs one weight per style image (2), not 1"))
        assertInvalid({ $0.gram.steps = -5 }, InvalidOption("steps", "must be 0 or more, not -5"))
        assertInvalid({ $0.gram.learningRate = 0 }, InvalidOption("lr", "must be positive, not 0.0"))
        assertInvalid({ $0.gram.mrf.weight = -1 }, InvalidOption("mrf_weight", "must be 0 or more, not -1.0"))
        assertInvalid({ $0.gram.mrf.styleStride = 0 }, InvalidOption("mrf_stride", "must be 1 or more, not 0"))
        assertInvalid({ $0.gram.scales = [8] }, InvalidOption("multiscale", "takes off or long sides of at least 16 pixels in ascending order, e.g. 256,384, not '8'"))
        XCTAssertEqual(InvalidOption("alpha", "weigh style with {style_weight}").message { "--" + $0 }, "--alpha weigh style with --style_weight")
    }

    /// bf16 runs where the CPU has AVX512-BF16 and is refused elsewhere with one line naming what it lacks.
    func testPrecisionBF16IsRefusedWhereItCannotRun() throws {
        let zen3 = CPUFeatures(vendor: "AuthenticAMD", avx: true, avx2: true, fma: true)
        XCTAssertEqual(Precision.bf16.unavailability(on: zen3), "needs a CPU with AVX512-BF16 (this CPU has: avx, avx2, fma)")
        let skylake = CPUFeatures(vendor: "GenuineIntel", avx: true, avx2: true, fma: true, avx512f: true, avx512bw: true,
                                  avx512dq: true, avx512vl: true)
        XCTAssertEqual(Precision.bf16.unavailability(on: skylake),
                       "needs a CPU with AVX512-BF16 (this CPU has: avx, avx2, fma, avx512f, avx512bw, avx512dq, avx512vl)")
        var zen4 = skylake
        zen4.avx512bf16 = true
        XCTAssertNil(Precision.bf16.unavailability(on: zen4))
        XCTAssertNil(Precision.fp32.unavailability(on: zen3))
        XCTAssertEqual(Precision.available(on: zen3), [.fp32])
        XCTAssertEqual(Precision.available(on: zen4), [.fp32, .bf16])
        // On this CPU, through the options boundary (the CLI renders the field as --precision).
        var options = StyleOptions()
        try options.set("precision", to: "bf16")
        XCTAssertEqual(options.precision, .bf16)
        guard let missing = Precision.bf16.unavailability(on: .current) else { return XCTAssertNoThrow(try options.validate()) }
        assertInvalid({ $0.precision = .bf16 }, InvalidOption("precision", "bf16 \(missing); use {precision} fp32"))
        XCTAssertEqual(InvalidOption("precision", "bf16 \(missing); use {precision} fp32").message { "--" + $0 },
                       "--precision bf16 \(missing); use --precision fp32")
    }

    func testTextFormOfEveryField() throws {
        var o = StyleOptions()
        for (field, text) in [("mode", "gram"), ("size", "256"), ("style_size", "0"), ("max_pixels", "1000000"), ("alpha", "1"),
                              ("style_blend", "2, 1"), ("preserve_color", "histogram"), ("quality", "80"), ("steps", "7"),
                              ("content_weight", "2"), ("style_weight", "1e4"), ("tv_weight", "0.5"), ("content_layers", "relu4_2"),
                              ("style_layers", "relu1_1:1,relu2_1:0.5"), ("metric", "l1"), ("optimizer", "adam"), ("lr", "0.05"),
                              ("history", "10"), ("init_from", "noise"), ("seed", "42"), ("style_scale", "0.5"), ("multiscale", "64,128"),
                              ("save_every", "3"), ("loss_scale", "tutorial"), ("style_loss", "both"), ("mrf_weight", "0.5"),
                              ("mrf_layers", "relu3_1"), ("mrf_stride", "3"), ("precision", "fp32")] {
            try o.set(field, to: text)
        }
        XCTAssertEqual(Set(StyleOptions.fieldNames).count, 29)
        XCTAssertNoThrow(try o.validate(styleCount: 2))
        XCTAssertEqual(o.mode, .gram); XCTAssertEqual(o.size, 256); XCTAssertEqual(o.styleSize, 0); XCTAssertEqual(o.maxPixels, 1_000_000)
        XCTAssertEqual(o.styleBlend, [2, 1]); XCTAssertEqual(o.preserveColor, .histogram); XCTAssertEqual(o.quality, 80)
        let g = o.gram
        XCTAssertEqual(g.steps, 7); XCTAssertEqual(g.contentWeight, 2); XCTAssertEqual(g.styleWeight, 1e4); XCTAssertEqual(g.totalVariationWeight, 0.5)
        XCTAssertEqual(g.contentLayers, ["relu4_2"])
        XCTAssertEqual(g.styleLayers, [.init("relu1_1", weight: 1), .init("relu2_1", weight: 0.5)])
        XCTAssertEqual(g.contentMetric, .l1); XCTAssertEqual(g.styleMetric, .l1); XCTAssertEqual(g.optimizer, .adam)
        XCTAssertEqual(g.learningRate, 0.05); XCTAssertEqual(g.historySize, 10); XCTAssertEqual(g.initialization, .noise)
        XCTAssertEqual(g.seed, 42); XCTAssertEqual(g.styleScale, 0.5); XCTAssertEqual(g.scales, [64, 128]); XCTAssertEqual(g.snapshotEvery, 3)
        XCTAssertEqual(g.lossScale, .tutorial); XCTAssertEqual(g.styleLoss, .both)
        XCTAssertEqual(g.mrf.weight, 0.5); XCTAssertEqual(g.mrf.layers, ["relu3_1"]); XCTAssertEqual(g.mrf.styleStride, 3)
        try o.set("multiscale", to: "off")
        XCTAssertEqual(o.gram.scales, [])
        // KL compares non-negative Gram matrices; the content term keeps mse.
        try o.set("metric", to: "kl")
        XCTAssertEqual(o.gram.contentMetric, .mse); XCTAssertEqual(o.gram.styleMetric, .kl)

        for (field, text, problem) in [
            ("mode", "bogus", "must be auto, transformer or gram, not 'bogus'"),
            ("preserve_color", "sepia", "must be none, luminance or histogram, not 'sepia'"),
            ("optimizer", "sgd", "must be lbfgs or adam, not 'sgd'"),
            ("precision", "fp16", "must be fp32 or bf16, not 'fp16'"),
            ("size", "big", "must be a whole number of pixels, not 'big'"),
            ("alpha", "", "must be a number, not ''"),
            ("style_blend", "2,,1", "takes comma-separated numbers, one per style image, e.g. 2,1, not '2,,1'"),
            ("multiscale", "256,x", "takes off or ascending long sides of at least 16 pixels, each optionally :STEPS, e.g. 256,384 or 128:100,256:60, not '256,x'"),
            ("frobnicate", "1", "is not an option; the options are " + StyleOptions.fieldNames.joined(separator: ", ")),
        ] {
            XCTAssertThrowsError(try o.set(field, to: text)) { XCTAssertEqual($0 as? InvalidOption, InvalidOption(field, problem)) }
        }
    }

    func testEngineChecksAndOptionsPerRequest() throws {
        let base = try Stylizer(options: .fastGram(), weights: noWeights)
        var other = StyleOptions.fastGram()
        other.gram.styleLayers = [.init("relu9_9")]
        XCTAssertThrowsError(try base.with(other)) {
            XCTAssertEqual(($0 as? InvalidOption)?.field, "style_layers")
            XCTAssertTrue("\($0)".contains("names unknown layer(s) relu9_9"), "\($0)")
        }
        other = .fastGram()
        other.mode = .transformer
        XCTAssertThrowsError(try base.with(other)) { XCTAssertEqual(($0 as? InvalidOption)?.field, "mode") }
        other = .fastGram()
        other.size = 24
        let smaller = try base.with(other)
        XCTAssertEqual(smaller.options.size, 24)
        XCTAssertEqual(try smaller.stylize(content: Tensor(shape: [3, 40, 40]), styles: [Tensor(shape: [3, 30, 30])]).shape, [3, 24, 24])
        other.styleBlend = [1, 2]
        XCTAssertThrowsError(try base.with(other).stylize(content: Tensor(shape: [3, 40, 40]), styles: [Tensor(shape: [3, 30, 30])])) {
            XCTAssertEqual($0 as? InvalidOption, InvalidOption("style_blend", "needs one weight per style image (1), not 2"))
        }
    }
}
