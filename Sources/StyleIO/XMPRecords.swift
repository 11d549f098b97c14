/// Key/value records as an XMP packet, the metadata a WebP file carries (its "XMP " chunk) in the
/// place of PNG's text chunks and JPEG's comments. Each record is one `rdf:li` of an ordered
/// `stylize:records` sequence holding `stylize:key` and `stylize:value` (keys such as
/// "stylize:mode" are not XML names, so they are element text, not property names).
enum XMPRecords {
    /// The namespace of the record elements.
    static let namespace = "urn:stylize:records:1"

    /// A complete read-only XMP packet (UTF-8) holding `records` in order.
    static func packet(_ records: [(String, String)]) -> [UInt8] {
        var xml = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
        xml += "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
        xml += " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
        xml += "  <rdf:Description rdf:about=\"\" xmlns:stylize=\"\(namespace)\">\n"
        xml += "   <stylize:records>\n    <rdf:Seq>\n"
        for (key, value) in records {
            xml += "     <rdf:li rdf:parseType=\"Resource\"><stylize:key>\(escape(key))</stylize:key>"
            xml += "<stylize:value>\(escape(value))</stylize:value></rdf:li>\n"
        }
        xml += "    </rdf:Seq>\n   </stylize:records>\n  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
        xml += "<?xpacket end=\"r\"?>"
        return Array(xml.utf8)
    }

    /// The records of a packet `packet` wrote, in order; other XMP properties are ignored.
    static func records(in packet: [UInt8]) -> [(key: String, value: String)] {
        let text = String(decoding: packet, as: UTF8.self)
        var records: [(key: String, value: String)] = []
        var rest = text[...]
        while let key = element("stylize:key", in: &rest), let value = element("stylize:value", in: &rest) {
            records.append((unescape(key), unescape(value)))
        }
        return records
    }

    /// The text of the next `<name>…</name>` in `rest`, which then starts after it.
    private static func element(_ name: String, in rest: inout Substring) -> Substring? {
        guard let open = rest.range(of: "<\(name)>"), let close = rest[open.upperBound...].range(of: "</\(name)>") else { return nil }
        defer { rest = rest[close.upperBound...] }
        return rest[open.upperBound..<close.lowerBound]
    }

    /// XML character data: markup characters as entities, and carriage returns and other control
    /// characters as character references (XML parsers would otherwise turn "\r\n" into "\n").
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "&#\(scalar.value);"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s) }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "&", let semicolon = s[i...].firstIndex(of: ";"), s.distance(from: i, to: semicolon) <= 10 {
                let entity = s[s.index(after: i)..<semicolon]
                let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"]
                if let text = named[String(entity)] {
                    out += text
                } else if entity.hasPrefix("#"), let code = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : UInt32(entity.dropFirst()),
                          let scalar = Unicode.Scalar(code) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += s[i...semicolon]
                }
                i = s.index(after: semicolon)
            } else {
                out.append(s[i])
                i = s.index(after: i)
            }
        }
        return out
    }
}
