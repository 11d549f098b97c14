import GramStyle
import StyTr2
import StyleCore

/// An image's size as (height, width).
public typealias ImageSize = (height: Int, width: Int)

/// What `Stylizer.stylize` will do with images of given sizes, every size already checked: a front end
/// refuses a request with it before queueing any work.
public struct StylizePlan: Sendable {
    /// The result's size.
    public let result: ImageSize
    /// Gram mode: the optimisation passes, coarse to fine; empty in transformer mode.
    public let passes: [GramPass]

    /// Gram mode: optimizer steps over all passes.
    public var steps: Int { passes.reduce(0) { $0 + $1.steps } }
}

extension Stylizer {
    /// The plan for a content and styles of these sizes (before any resizing by the options).
    /// - Throws: `ImageTooSmall` naming the image and the option that fixes it; `InvalidOption` ("multiscale")
    ///   for a pass not below the content's size.
    public func plan(content: ImageSize, styles: [ImageSize]) throws -> StylizePlan {
        switch engine {
        case let .transformer(model):
            let used = options.size.map { longSideSize(content, to: $0) } ?? content
            try checkTransformerContent(content, used: used, model: model)
            for (index, style) in styles.enumerated() { try checkTransformerStyle(style, index: index, model: model) }
            return StylizePlan(result: used, passes: [])
        case let .gram(network):
            let used = longSideSize(content, to: options.size ?? StyleOptions.defaultGramSize)
            return StylizePlan(result: used, passes: try gramPasses(for: used, original: content, styles: styles, network: network))
        }
    }

    func checkTransformerContent(_ content: ImageSize, used: ImageSize, model: StyTr2Model) throws {
        guard let fix = tooSmall(content, used: used, minimum: model.minimumSide, field: "size", fitsUnresized: false) else { return }
        throw ImageTooSmall(role: .content, width: content.width, height: content.height, usedWidth: used.width,
                            usedHeight: used.height, minimumSide: model.minimumSide, fix: fix)
    }

    /// Checks style (as given) at the size `options.styleSize` makes it.
    func checkTransformerStyle(_ style: ImageSize, index: Int, model: StyTr2Model) throws {
        let used = options.styleSize > 0 ? longSideSize(style, to: options.styleSize) : style
        guard let fix = tooSmall(style, used: used, minimum: model.minimumSide, field: "style_size", fitsUnresized: true) else { return }
        throw ImageTooSmall(role: .style(index), width: style.width, height: style.height, usedWidth: used.width,
                            usedHeight: used.height, minimumSide: model.minimumSide, fix: fix)
    }

    /// nil when `used` fits; else what to change: the long-side option `field` (0 keeps the size when
    /// `fitsUnresized` allows it), or the image itself when no long side makes its short side fit.
    func tooSmall(_ image: ImageSize, used: ImageSize, minimum: Int, field: String, fitsUnresized: Bool) -> String? {
        guard min(used.height, used.width) < minimum else { return nil }
        let short = min(image.height, image.width), long = max(image.height, image.width)
        if fitsUnresized && short >= minimum { return "keep its size with {\(field)} 0" }
        let needed = (minimum * long + short - 1) / max(short, 1)
        return needed <= 16384 ? "set {\(field)} to at least \(needed)" : "use an image whose short side is at least 1/\(16384 / minimum) of its long side"
    }

    /// The Gram passes for content `used` (resized from `original`) and the styles, checked against the
    /// network's smallest side for the layers in use.
    func gramPasses(for used: ImageSize, original: ImageSize, styles: [ImageSize], network: FeatureNetwork) throws -> [GramPass] {
        let g = options.gram
        let minimum = network.minimumSide(for: g)
        let passes = try GramStyle.gramPasses(content: used, styles: styles, options: g, minimumSide: minimum)
        let long = max(original.height, original.width), short = min(original.height, original.width)
        for pass in passes where min(pass.content.height, pass.content.width) < minimum {
            let needed = (minimum * long + short - 1) / max(short, 1)
            let fix = pass.longSide != max(used.height, used.width) ? "make every {multiscale} pass at least \(needed) px, or use off"
                : needed <= 16384 ? "set {size} to at least \(needed)" : "use an image whose short side is at least 1/\(16384 / minimum) of its long side"
            throw ImageTooSmall(role: .content, width: original.width, height: original.height, usedWidth: pass.content.width,
                                usedHeight: pass.content.height, minimumSide: minimum, fix: fix)
        }
        for pass in passes {
            for (index, size) in pass.styles.enumerated() where min(size.height, size.width) < minimum {
                let style = styles[index]
                let scale = Double(minimum) * Double(max(style.height, style.width)) / Double(min(style.height, style.width) * pass.longSide)
                let fix = scale <= 8 ? "set {style_scale} to at least \(Float((scale * 100).rounded(.up) / 100))" : "use a style image with a less extreme aspect ratio"
                throw ImageTooSmall(role: .style(index), width: style.width, height: style.height, usedWidth: size.width,
                                    usedHeight: size.height, minimumSide: minimum, fix: fix)
            }
        }
        return passes
    }
}

/// (3,H,W) → (3,H,W) sizes: the size `resizeLongSide` gives an image of `size`.
public func longSideSize(_ size: ImageSize, to side: Int) -> ImageSize {
    let long = max(size.height, size.width)
    if long == side { return size }
    return (max(1, (size.height * side + long / 2) / long), max(1, (size.width * side + long / 2) / long))
}

extension Tensor {
    /// (height, width) of an image (3,H,W).
    var imageSize: ImageSize { (shape[1], shape[2]) }
}
