/// Every error the engine reports to a user: one line that says what is wrong and with what.
/// Options are named as `{field}` in the text (see `InvalidOption`); `message(naming:)` renders them.
public enum StyleError: Error, CustomStringConvertible, Equatable {
    /// A file that cannot be opened, read or found.
    case io(path: String, reason: String)
    /// An image or array file whose contents cannot be decoded.
    case decode(path: String, reason: String)
    /// An image larger than the configured limit (checked from the header, before allocation).
    case tooLarge(path: String, width: Int, height: Int, maxPixels: Int)
    /// A weight file that is corrupt or does not fit the model.
    case weights(path: String, reason: String)
    /// An output that cannot be written.
    case write(path: String, reason: String)
    /// An argument outside its allowed range.
    case invalidArgument(String)
    /// OpenBLAS missing or unusable.
    case blas(String)

    /// The message, option names rendered by `name`.
    public func message(naming name: (String) -> String) -> String {
        switch self {
        case let .io(path, reason): return "\(path): \(renderOptionNames(reason, name))"
        case let .decode(path, reason): return "\(path): cannot decode: \(reason)"
        case let .tooLarge(path, w, h, maxPixels):
            return "\(path): image is \(w)×\(h) = \(w * h) pixels, more than the limit of \(maxPixels) (raise it with \(name("max_pixels")))"
        case let .weights(path, reason): return "\(path): bad weights: \(reason)"
        case let .write(path, reason): return "\(path): cannot write: \(renderOptionNames(reason, name))"
        case let .invalidArgument(message): return renderOptionNames(message, name)
        case let .blas(message): return message
        }
    }

    public var description: String { message { $0 } }
}
