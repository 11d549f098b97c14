#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO

/// A fresh temporary directory per test.
func makeTemporaryDirectory(_ tag: String) -> String {
    var template = Array((NSTemporaryDirectory() + "/stylebatch-\(tag)-XXXXXX").utf8CString)
    guard mkdtemp(&template) != nil else { fatalError("mkdtemp failed") }
    return String(cString: template)
}

/// A small (3,H,W) image whose pixels depend on `seed`.
func testImage(width: Int = 12, height: Int = 10, seed: Int = 0) -> Tensor {
    let t = Tensor(shape: [3, height, width])
    for i in 0..<t.count { t[i] = Float((i * 31 + seed * 7) % 255) / 255 }
    return t
}
