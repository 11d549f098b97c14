// libFuzzer harnesses for the Swift parsers, built by tools/fuzz/run.sh with
// `swiftc -sanitize=fuzzer,address -parse-as-library -D FUZZ_NPY` (or -D FUZZ_SAFETENSORS) against
// Sources/StyleIO and the few Sources/StyleCore files it needs, compiled as their own modules.
//
// Contract checked: a parser either succeeds or throws a StyleError (never traps, never reads out
// of bounds — ASan), and what it returns is consistent (shapes, element counts, round trips).
#if canImport(Glibc)
import Glibc
#endif
import StyleCore
@testable import StyleIO

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        fputs("fuzz check failed: \(message())\n", stderr)
        abort()
    }
}

/// Reads every value, so ASan sees any out-of-bounds view; returns a checksum so it is not optimised away.
@inline(never)
func touch(_ t: Tensor) -> UInt32 {
    var sum: UInt32 = 0
    for i in 0..<t.count { sum = sum &+ t.data[i].bitPattern }
    return sum
}

var sink: UInt32 = 0

func bytesOf(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// A StyleError from a parser must name the file it was given.
func checkError(_ error: Error, path: String) {
    guard let styleError = error as? StyleError else {
        check(false, "non-StyleError thrown: \(error)")
        return
    }
    check(styleError.description.contains(path), "error does not name \(path): \(styleError)")
}

#if FUZZ_NPY
/// `.npy` parsing: NPY.read (header parser, dtype/order/shape checks, data length) and the image
/// route the CLI takes (ImageFile.read with a pixel limit), plus an encode → read round trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = bytesOf(data, size)
    do {
        let tensor = try NPY.read(data: bytes, path: "fuzz.npy")
        check(tensor.count == tensor.shape.reduce(1, *), "count \(tensor.count) vs shape \(tensor.shape)")
        sink &+= touch(tensor)
        let again = try NPY.read(data: NPY.encode(tensor), path: "roundtrip.npy")
        check(again.shape == tensor.shape, "round trip shape \(again.shape) vs \(tensor.shape)")
        for i in 0..<tensor.count where again.data[i].bitPattern != tensor.data[i].bitPattern {
            check(false, "round trip changed element \(i)")
        }
    } catch {
        checkError(error, path: "fuzz.npy")
    }
    do {
        let image = try ImageFile.read(data: bytes, path: "image.npy", maxPixels: 1 << 20)
        check(image.rank == 3 && image.shape[0] == 3 && image.shape[1] > 0 && image.shape[2] > 0, "image shape \(image.shape)")
        check(image.shape[1] * image.shape[2] <= 1 << 20, "pixel limit ignored: \(image.shape)")
        sink &+= touch(image)
    } catch {
        checkError(error, path: "image.npy")
    }
    return 0
}
#endif

#if FUZZ_SAFETENSORS
/// The input is written to a file in /dev/shm (the reader maps files), opened with
/// SafeTensorsFile (header JSON parser, entry/offset/overlap validation), every tensor is read
/// in full, and a file that opens is rewritten with SafeTensorsFile.write and read back equal.
let scratch: String = {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    let dir = "\(base)/stylize-fuzz-\(getpid())"
    mkdir(dir, 0o700)
    atexit { AtomicFile.removePendingTemporaries() }
    return dir
}()

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    check(fd >= 0, "cannot create \(path)")
    var done = 0
    bytes.withUnsafeBytes { raw in
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            check(n > 0, "write failed")
            done += n
        }
    }
    close(fd)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let path = scratch + "/input.safetensors"
    writeFile(path, bytesOf(data, size))
    let file: SafeTensorsFile
    do {
        file = try SafeTensorsFile(path: path)
    } catch {
        checkError(error, path: path)
        return 0
    }
    check(file.names == file.names.sorted(), "names not sorted")
    var readable: [(String, Tensor)] = []
    for name in file.names {
        guard let shape = file.shape(of: name) else { check(false, "no shape for listed name \(name)"); continue }
        do {
            let t = try file.tensor(name)
            check(t.shape == shape, "\(name): tensor shape \(t.shape) vs header \(shape)")
            check(t.count == shape.reduce(1, *), "\(name): count")
            sink &+= touch(t)
            let same = try file.tensor(name, shape: shape)
            check(same.count == t.count, "\(name): second read")
            readable.append((name, t))
        } catch {
            checkError(error, path: path)
        }
    }
    do {
        _ = try file.tensor("\u{0}no such tensor", shape: [1])
        check(false, "a missing tensor was found")
    } catch {
        checkError(error, path: path)
    }
    if let value = file.metadata.keys.first { check((try? file.requireMetadata(value)) == file.metadata[value], "metadata lookup") }

    // Round trip through the writer (names and metadata with any characters must survive JSON escaping).
    let copy = scratch + "/copy.safetensors"
    do {
        try SafeTensorsFile.write(readable, metadata: file.metadata, to: copy)
    } catch {
        // Only an oversized header may fail (the reader accepts up to the same limit, so rare).
        checkError(error, path: copy)
        return 0
    }
    do {
        let back = try SafeTensorsFile(path: copy)
        check(back.names == readable.map(\.0).sorted(), "round trip names")
        check(back.metadata == file.metadata, "round trip metadata")
        for (name, t) in readable {
            let u = try back.tensor(name)
            check(u.shape == t.shape, "round trip shape of \(name)")
            for i in 0..<t.count where u.data[i].bitPattern != t.data[i].bitPattern { check(false, "round trip value \(name)[\(i)]") }
        }
    } catch {
        check(false, "rewritten file does not read back: \(error)")
    }
    return 0
}
#endif
