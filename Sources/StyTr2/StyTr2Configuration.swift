import StyleCore

/// Hyper-parameters of a StyTr² model, read from a weight file's `__metadata__`
/// (written by tools/convert_weights.py), so a variant loads without code changes.
public struct StyTr2Configuration: Equatable, Sendable {
    public var dModel = 512
    public var heads = 8
    public var encoderCLayers = 3
    public var encoderSLayers = 3
    public var decoderLayers = 3
    public var ffn = 2048
    public var patchSize = 8
    /// Output size of CAPE's AdaptiveAvgPool2d.
    public var capePool = 18
    /// Indices of the CNN decoder's convolutions in the official nn.Sequential.
    public var cnnConvs = [1, 5, 8, 11, 14, 18, 21, 25, 28]
    /// Convolutions preceded by a nearest ×2 upsample.
    public var cnnUpsampleBefore: Set<Int> = [5, 18, 25]

    /// The official release: 512-d, 8 heads, FFN 2048, 3+3+3 layers.
    public static let official = StyTr2Configuration()

    public init() {}

    /// Reads and checks every field; `path` names the file in errors.
    public init(metadata: [String: String], path: String) throws {
        func fail(_ reason: String) -> StyleError { .weights(path: path, reason: reason) }
        guard metadata["model"] == "stytr2" else {
            throw fail("metadata says model '\(metadata["model"] ?? "none")', expected 'stytr2' (convert StyTr² checkpoints with tools/convert_weights.py stytr2)")
        }
        func int(_ key: String) throws -> Int {
            guard let s = metadata[key] else { throw fail("metadata has no '\(key)'") }
            guard let v = Int(s), v > 0 else { throw fail("metadata '\(key)' = '\(s)' is not a positive integer") }
            return v
        }
        func ints(_ key: String) throws -> [Int] {
            guard let s = metadata[key] else { throw fail("metadata has no '\(key)'") }
            if s.isEmpty { return [] }
            let parts = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { throw fail("metadata '\(key)' = '\(s)' is not a list of indices") }
            return parts.map { $0! }
        }
        dModel = try int("d_model"); heads = try int("heads")
        encoderCLayers = try int("encoder_c_layers"); encoderSLayers = try int("encoder_s_layers")
        decoderLayers = try int("decoder_layers"); ffn = try int("ffn")
        patchSize = try int("patch_size"); capePool = try int("cape_pool")
        cnnConvs = try ints("cnn_decoder_convs"); cnnUpsampleBefore = Set(try ints("cnn_decoder_upsample_before"))
        guard dModel % heads == 0 else { throw fail("\(heads) heads do not divide d_model \(dModel)") }
        guard !cnnConvs.isEmpty else { throw fail("the CNN decoder has no convolutions") }
    }

    /// Upsampling factor of the CNN decoder; it must undo the patch size.
    public var cnnScale: Int { 1 << cnnUpsampleBefore.count }

    /// Every tensor name with its shape, for a CNN decoder with the given output channels per conv.
    public func tensorShapes(cnnChannels: [Int]) -> [String: [Int]] {
        precondition(cnnChannels.count == cnnConvs.count)
        let d = dModel
        var s: [String: [Int]] = ["embedding.proj.weight": [d, 3, patchSize, patchSize], "embedding.proj.bias": [d],
                                  "transformer.new_ps.weight": [d, d, 1, 1], "transformer.new_ps.bias": [d],
                                  "transformer.decoder.norm.weight": [d], "transformer.decoder.norm.bias": [d]]
        func attention(_ p: String) {
            s[p + ".in_proj_weight"] = [3 * d, d]; s[p + ".in_proj_bias"] = [3 * d]
            s[p + ".out_proj.weight"] = [d, d]; s[p + ".out_proj.bias"] = [d]
        }
        func layer(_ p: String, attentions: [String], norms: Int) {
            for a in attentions { attention(p + "." + a) }
            s[p + ".linear1.weight"] = [ffn, d]; s[p + ".linear1.bias"] = [ffn]
            s[p + ".linear2.weight"] = [d, ffn]; s[p + ".linear2.bias"] = [d]
            for n in 1...norms { s[p + ".norm\(n).weight"] = [d]; s[p + ".norm\(n).bias"] = [d] }
        }
        for i in 0..<encoderCLayers { layer("transformer.encoder_c.layers.\(i)", attentions: ["self_attn"], norms: 2) }
        for i in 0..<encoderSLayers { layer("transformer.encoder_s.layers.\(i)", attentions: ["self_attn"], norms: 2) }
        for i in 0..<decoderLayers { layer("transformer.decoder.layers.\(i)", attentions: ["self_attn", "multihead_attn"], norms: 3) }
        var inC = d
        for (index, outC) in zip(cnnConvs, cnnChannels) {
            s["cnn_decoder.\(index).weight"] = [outC, inC, 3, 3]; s["cnn_decoder.\(index).bias"] = [outC]
            inC = outC
        }
        return s
    }
}

import Foundation
