import ArgumentParser
import GramStyle
import StyleCore
import StyleIO

/// The look scores (`LookScores`) of finished results, whichever binary or schedule made them, with
/// the content photo itself as the first line: what an untouched image scores against the style.
struct GramLook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gram-look",
        abstract: "Score Gram-mode results against their style and content: held-out style distance, edges, saturation, layout.")
    @Argument(help: "Result images (any format stylize reads).") var results: [String]
    @Option(help: "The content image of the run.") var content: String
    @Option(help: "The style image of the run.") var style: String
    @Option(help: "The run's --style-scale.") var styleScale: Float = 1

    func run() throws {
        do {
            _ = try BLAS.load()
            let styleImage = try ImageFile.read(style), contentImage = try ImageFile.read(content)
            print("look scores against \(style) (held-out style: lower is closer; edges, saturation: result/style; content: layout correlation)")
            for path in results {
                let result = try ImageFile.read(path)
                if path == results.first {
                    let photo = resizeAntialiased(contentImage, height: result.shape[1], width: result.shape[2])
                    print(Self.line("content itself", try LookScores.score(result: photo, content: contentImage, style: styleImage, styleScale: styleScale)))
                }
                print(Self.line(path, try LookScores.score(result: result, content: contentImage, style: styleImage, styleScale: styleScale)))
            }
        } catch { fail(error) }
    }

    static func line(_ name: String, _ s: LookScores) -> String {
        String(format: "%@: held-out style %.3f, edges %.2f, saturation %.2f, content %.3f",
               name, s.heldOutStyle, s.edgeRatio, s.saturationRatio, s.contentCorrelation)
    }
}
