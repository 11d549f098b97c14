extension String {
    /// Without leading and trailing spaces (U+0020 only): list items of options ("2, 1"), OpenBLAS's config string.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
