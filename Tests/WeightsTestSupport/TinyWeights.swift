import StyTr2
import StyleCore
import StyleIO

/// A tiny StyTr² (d_model 16, 2 heads, one layer per stack) with seeded weights, as a weight file tests load.
public enum TinyWeights {
    public static func configuration() -> StyTr2Configuration {
        var c = StyTr2Configuration()
        c.dModel = 16; c.heads = 2; c.ffn = 32
        c.encoderCLayers = 1; c.encoderSLayers = 1; c.decoderLayers = 1
        return c
    }

    public static let cnnChannels = [8, 8, 8, 8, 8, 8, 8, 8, 3]

    public static func metadata(_ c: StyTr2Configuration = configuration()) -> [String: String] {
        ["format": "stylize-weights", "format_version": "1", "model": "stytr2",
         "d_model": "\(c.dModel)", "heads": "\(c.heads)", "encoder_c_layers": "\(c.encoderCLayers)",
         "encoder_s_layers": "\(c.encoderSLayers)", "decoder_layers": "\(c.decoderLayers)", "ffn": "\(c.ffn)",
         "patch_size": "\(c.patchSize)", "cape_pool": "\(c.capePool)",
         "cnn_decoder_convs": c.cnnConvs.map(String.init).joined(separator: ","),
         "cnn_decoder_upsample_before": c.cnnUpsampleBefore.sorted().map(String.init).joined(separator: ",")]
    }

    /// Seeded tensors for every name the tiny model needs, as (name, tensor), sorted by name.
    public static func tensors(shapes: [String: [Int]]? = nil) -> [(String, Tensor)] {
        let shapes = shapes ?? configuration().tensorShapes(cnnChannels: cnnChannels)
        let weights = SeededWeights(seed: 7, shapes: shapes)
        return shapes.keys.sorted().map { ($0, try! weights.tensor($0, shape: shapes[$0]!)) }
    }

    /// Writes a valid tiny StyTr² weight file, with `edit` applied to the tensor shapes and metadata first.
    public static func write(to path: String, editShapes: (inout [String: [Int]]) -> Void = { _ in },
                      editMetadata: (inout [String: String]) -> Void = { _ in }) throws {
        var shapes = configuration().tensorShapes(cnnChannels: cnnChannels)
        editShapes(&shapes)
        var meta = metadata()
        editMetadata(&meta)
        try SafeTensorsFile.write(tensors(shapes: shapes), metadata: meta, to: path)
    }
}
