import GramStyle
import StyTr2
import StyleCore

// Inputs too small for the engine once the options have resized them, found before any work, with the
// option that fixes it.

extension Stylizer {
    func checkTransformerContent(_ content: Tensor, used: Tensor, model: StyTr2Model) throws {
        guard let fix = tooSmall(content, used: used, minimum: model.minimumSide, field: "size", fitsUnresized: false) else { return }
        throw ImageTooSmall(role: .content, width: content.shape[2], height: content.shape[1], usedWidth: used.shape[2],
                            usedHeight: used.shape[1], minimumSide: model.minimumSide, fix: fix)
    }

    func checkTransformerStyle(_ style: Tensor, used: Tensor, index: Int, model: StyTr2Model) throws {
        guard let fix = tooSmall(style, used: used, minimum: model.minimumSide, field: "style_size", fitsUnresized: true) else { return }
        throw ImageTooSmall(role: .style(index), width: style.shape[2], height: style.shape[1], usedWidth: used.shape[2],
                            usedHeight: used.shape[1], minimumSide: model.minimumSide, fix: fix)
    }

    /// nil when `used` fits; else what to change: the long-side option `field` (0 keeps the size when
    /// `fitsUnresized` allows it), or the image itself when no long side makes its short side fit.
    func tooSmall(_ image: Tensor, used: Tensor, minimum: Int, field: String, fitsUnresized: Bool) -> String? {
        guard min(used.shape[1], used.shape[2]) < minimum else { return nil }
        let short = min(image.shape[1], image.shape[2]), long = max(image.shape[1], image.shape[2])
        if fitsUnresized && short >= minimum { return "keep its size with {\(field)} 0" }
        let needed = (minimum * long + short - 1) / max(short, 1)
        return needed <= 16384 ? "set {\(field)} to at least \(needed)" : "use an image whose short side is at least 1/\(16384 / minimum) of its long side"
    }

    /// The Gram passes for content `used` (resized from `original`) and the styles, checked against the
    /// network's smallest side for the layers in use.
    func gramPasses(for used: Tensor, original: Tensor, styles: [Tensor], network: FeatureNetwork) throws -> [GramPass] {
        let g = options.gram
        let minimum = network.minimumSide(for: g)
        let passes = try GramStyle.gramPasses(content: (used.shape[1], used.shape[2]), styles: styles.map { ($0.shape[1], $0.shape[2]) },
                                              options: g, minimumSide: minimum)
        let long = max(original.shape[1], original.shape[2]), short = min(original.shape[1], original.shape[2])
        for pass in passes where min(pass.content.height, pass.content.width) < minimum {
            let needed = (minimum * long + short - 1) / max(short, 1)
            let fix = pass.longSide != max(used.shape[1], used.shape[2]) ? "make every {multiscale} pass at least \(needed) px, or use off"
                : needed <= 16384 ? "set {size} to at least \(needed)" : "use an image whose short side is at least 1/\(16384 / minimum) of its long side"
            throw ImageTooSmall(role: .content, width: original.shape[2], height: original.shape[1], usedWidth: pass.content.width,
                                usedHeight: pass.content.height, minimumSide: minimum, fix: fix)
        }
        for pass in passes {
            for (index, size) in pass.styles.enumerated() where min(size.height, size.width) < minimum {
                let style = styles[index]
                let scale = Double(minimum) * Double(max(style.shape[1], style.shape[2])) / Double(min(style.shape[1], style.shape[2]) * pass.longSide)
                let fix = scale <= 8 ? "set {style_scale} to at least \(Float((scale * 100).rounded(.up) / 100))" : "use a style image with a less extreme aspect ratio"
                throw ImageTooSmall(role: .style(index), width: style.shape[2], height: style.shape[1], usedWidth: size.width,
                                    usedHeight: size.height, minimumSide: minimum, fix: fix)
            }
        }
        return passes
    }
}
