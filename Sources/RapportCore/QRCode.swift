import Foundation

/// A QR code (ISO/IEC 18004) for short text such as an `otpauth://` address: byte mode, error correction level M,
/// versions 1 to 10 (up to 213 bytes). Pure, so the server can draw it as SVG with no script and no third party,
/// and a test can decode what it drew.
public struct QRCode: Sendable, Equatable {
    /// `modules[row][column]`, true for dark.
    public let modules: [[Bool]]
    public let version: Int
    public let mask: Int

    public var size: Int { modules.count }

    /// Nil when the text is longer than version 10 holds at level M.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let version = (1...10).first(where: { Self.dataCapacity(version: $0) >= Self.bitsNeeded(bytes.count, version: $0) })
        else { return nil }
        let codewords = Self.interleaved(Self.dataCodewords(bytes, version: version), version: version)
        var best: (penalty: Int, mask: Int, grid: [[Bool]])?
        for mask in 0..<8 {
            var matrix = Matrix(version: version)
            matrix.place(codewords)
            matrix.apply(mask: mask)
            matrix.drawFormat(mask: mask)
            let grid = matrix.dark
            let penalty = Self.penalty(grid)
            if best == nil || penalty < best!.penalty { best = (penalty, mask, grid) }
        }
        guard let chosen = best else { return nil }
        modules = chosen.grid
        self.version = version
        self.mask = chosen.mask
    }

    /// The code as an SVG image, one square per dark module, with the four-module quiet zone the standard asks for.
    public func svg(moduleSize: Int = 6, title: String) -> String {
        let quiet = 4
        let total = (size + 2 * quiet) * moduleSize
        var path = ""
        for (row, line) in modules.enumerated() {
            for (column, dark) in line.enumerated() where dark {
                path += "M\((column + quiet) * moduleSize) \((row + quiet) * moduleSize)h\(moduleSize)v\(moduleSize)h-\(moduleSize)z"
            }
        }
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(total) \(total)\" width=\"\(total)\" height=\"\(total)\" "
            + "role=\"img\" aria-labelledby=\"qr-title\" shape-rendering=\"crispEdges\"><title id=\"qr-title\">\(escapedTitle)</title>"
            + "<rect width=\"\(total)\" height=\"\(total)\" fill=\"#fff\"/><path fill=\"#000\" d=\"\(path)\"/></svg>"
    }

    // MARK: Data and error correction (level M)

    /// Error-correction codewords per block, then (blocks, data codewords per block) for each group, versions 1–10.
    static let blocks: [(ec: Int, groups: [(count: Int, data: Int)])] = [
        (10, [(1, 16)]), (16, [(1, 28)]), (26, [(1, 44)]), (18, [(2, 32)]), (24, [(2, 43)]),
        (16, [(4, 27)]), (18, [(4, 31)]), (22, [(2, 38), (2, 39)]), (22, [(3, 36), (2, 37)]), (26, [(4, 43), (1, 44)]),
    ]

    static func dataCapacity(version: Int) -> Int {
        blocks[version - 1].groups.reduce(0) { $0 + $1.count * $1.data } * 8
    }

    static func bitsNeeded(_ byteCount: Int, version: Int) -> Int {
        4 + (version < 10 ? 8 : 16) + byteCount * 8
    }

    static func dataCodewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
        }
        append(0b0100, 4)
        append(bytes.count, version < 10 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        let capacity = dataCapacity(version: version)
        append(0, min(4, capacity - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var codewords = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { ($0 << 1) | ($1 ? 1 : 0) }
        }
        var pad: [UInt8] = [0xEC, 0x11]
        while codewords.count * 8 < capacity {
            codewords.append(pad[0])
            pad.swapAt(0, 1)
        }
        return codewords
    }

    /// Splits the data into blocks, adds each block's Reed–Solomon codewords, and interleaves them as the standard lays out.
    static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let layout = blocks[version - 1]
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for group in layout.groups {
            for _ in 0..<group.count {
                dataBlocks.append(Array(data[offset..<offset + group.data]))
                offset += group.data
            }
        }
        let ecBlocks = dataBlocks.map { ReedSolomon.remainder($0, degree: layout.ec) }
        var result: [UInt8] = []
        for index in 0..<(dataBlocks.map(\.count).max() ?? 0) {
            for block in dataBlocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<layout.ec {
            for block in ecBlocks { result.append(block[index]) }
        }
        return result
    }

    enum ReedSolomon {
        static let (exp, log): ([UInt8], [Int]) = {
            var exp = [UInt8](repeating: 0, count: 512)
            var log = [Int](repeating: 0, count: 256)
            var value = 1
            for power in 0..<255 {
                exp[power] = UInt8(value)
                log[value] = power
                value <<= 1
                if value & 0x100 != 0 { value ^= 0x11D }
            }
            for power in 255..<512 { exp[power] = exp[power - 255] }
            return (exp, log)
        }()

        static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
            a == 0 || b == 0 ? 0 : exp[log[Int(a)] + log[Int(b)]]
        }

        /// The generator polynomial (x - α⁰)(x - α¹)…(x - α^(degree-1)), highest power first.
        static func generator(_ degree: Int) -> [UInt8] {
            var polynomial: [UInt8] = [1]
            for power in 0..<degree {
                var next = [UInt8](repeating: 0, count: polynomial.count + 1)
                for (index, coefficient) in polynomial.enumerated() {
                    next[index] ^= coefficient
                    next[index + 1] ^= multiply(coefficient, exp[power])
                }
                polynomial = next
            }
            return polynomial
        }

        static func remainder(_ data: [UInt8], degree: Int) -> [UInt8] {
            let generator = generator(degree)
            var remainder = data + [UInt8](repeating: 0, count: degree)
            for index in 0..<data.count {
                let factor = remainder[index]
                guard factor != 0 else { continue }
                for (offset, coefficient) in generator.enumerated() { remainder[index + offset] ^= multiply(coefficient, factor) }
            }
            return Array(remainder.suffix(degree))
        }
    }

    // MARK: The matrix

    static let alignmentCentres: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50],
    ]

    struct Matrix {
        let version: Int
        let size: Int
        var dark: [[Bool]]
        /// Modules of function patterns (finders, timing, alignment, format and version information): never data.
        var reserved: [[Bool]]

        init(version: Int) {
            self.version = version
            size = 17 + 4 * version
            dark = Array(repeating: Array(repeating: false, count: size), count: size)
            reserved = dark
            for (row, column) in [(0, 0), (0, size - 7), (size - 7, 0)] { drawFinder(row, column) }
            for index in 8..<(size - 8) {
                set(6, index, index % 2 == 0)
                set(index, 6, index % 2 == 0)
            }
            let centres = QRCode.alignmentCentres[version - 1]
            for row in centres {
                for column in centres {
                    // Not over the finders.
                    if (row == 6 && column == 6) || (row == 6 && column == centres.last) || (row == centres.last && column == 6) { continue }
                    for dy in -2...2 {
                        for dx in -2...2 { set(row + dy, column + dx, max(abs(dy), abs(dx)) != 1) }
                    }
                }
            }
            // Format information areas (filled in after masking) and the one always-dark module.
            for index in 0..<9 {
                reserve(8, index)
                reserve(index, 8)
            }
            for index in 0..<8 {
                reserve(8, size - 1 - index)
                reserve(size - 1 - index, 8)
            }
            set(size - 8, 8, true)
            if version >= 7 { drawVersion() }
        }

        mutating func set(_ row: Int, _ column: Int, _ value: Bool) {
            guard (0..<size).contains(row), (0..<size).contains(column) else { return }
            dark[row][column] = value
            reserved[row][column] = true
        }

        mutating func reserve(_ row: Int, _ column: Int) {
            reserved[row][column] = true
        }

        mutating func drawFinder(_ top: Int, _ left: Int) {
            for dy in -1...7 {
                for dx in -1...7 {
                    let inside = (0...6).contains(dy) && (0...6).contains(dx)
                    let ring = inside && (dy == 0 || dy == 6 || dx == 0 || dx == 6)
                    let core = (2...4).contains(dy) && (2...4).contains(dx)
                    set(top + dy, left + dx, ring || core)
                }
            }
        }

        mutating func drawVersion() {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for index in 0..<18 {
                let bit = (bits >> index) & 1 == 1
                let a = size - 11 + index % 3
                let b = index / 3
                set(a, b, bit)
                set(b, a, bit)
            }
        }

        /// Fills the free modules two columns at a time, upwards and downwards in turn from the bottom right.
        mutating func place(_ codewords: [UInt8]) {
            var bitIndex = 0
            let totalBits = codewords.count * 8
            var column = size - 1
            var upwards = true
            while column > 0 {
                if column == 6 { column -= 1 }
                for step in 0..<size {
                    let row = upwards ? size - 1 - step : step
                    for dx in 0..<2 {
                        let x = column - dx
                        guard !reserved[row][x] else { continue }
                        var bit = false
                        if bitIndex < totalBits {
                            bit = (codewords[bitIndex / 8] >> (7 - bitIndex % 8)) & 1 == 1
                        }
                        dark[row][x] = bit
                        bitIndex += 1
                    }
                }
                upwards.toggle()
                column -= 2
            }
        }

        mutating func apply(mask: Int) {
            for row in 0..<size {
                for column in 0..<size where !reserved[row][column] {
                    let flip: Bool
                    switch mask {
                    case 0: flip = (row + column) % 2 == 0
                    case 1: flip = row % 2 == 0
                    case 2: flip = column % 3 == 0
                    case 3: flip = (row + column) % 3 == 0
                    case 4: flip = (row / 2 + column / 3) % 2 == 0
                    case 5: flip = (row * column) % 2 + (row * column) % 3 == 0
                    case 6: flip = ((row * column) % 2 + (row * column) % 3) % 2 == 0
                    default: flip = ((row + column) % 2 + (row * column) % 3) % 2 == 0
                    }
                    if flip { dark[row][column].toggle() }
                }
            }
        }

        /// Level M (bits 00) and the mask, with their BCH code, masked by 101010000010010.
        mutating func drawFormat(mask: Int) {
            let data = (0b00 << 3) | mask
            var remainder = data
            for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
            let bits = (data << 10 | remainder) ^ 0x5412
            func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
            // First copy, around the top-left finder: down column 8, then along row 8 to the left.
            for index in 0...5 { dark[index][8] = bit(index) }
            dark[7][8] = bit(6)
            dark[8][8] = bit(7)
            dark[8][7] = bit(8)
            for index in 9..<15 { dark[8][14 - index] = bit(index) }
            // Second copy, split between the top-right finder (row 8) and the bottom-left one (column 8).
            for index in 0..<8 { dark[8][size - 1 - index] = bit(index) }
            for index in 8..<15 { dark[size - 15 + index][8] = bit(index) }
            dark[size - 8][8] = true
        }
    }

    // MARK: Choosing the mask

    /// The standard's four penalty rules: runs, 2×2 blocks, finder-like patterns, and the balance of dark and light.
    static func penalty(_ grid: [[Bool]]) -> Int {
        let size = grid.count
        var score = 0
        func lines(_ transpose: Bool) -> [[Bool]] {
            transpose ? (0..<size).map { column in (0..<size).map { grid[$0][column] } } : grid
        }
        for line in lines(false) + lines(true) {
            var run = 1
            for index in 1..<size {
                if line[index] == line[index - 1] {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            if run >= 5 { score += run - 2 }
            let pattern: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
            let reversed = Array(pattern.reversed())
            for start in 0...(size - 11) {
                let window = Array(line[start..<start + 11])
                if window == pattern || window == reversed { score += 40 }
            }
        }
        for row in 0..<(size - 1) {
            for column in 0..<(size - 1) {
                let colour = grid[row][column]
                if grid[row][column + 1] == colour && grid[row + 1][column] == colour && grid[row + 1][column + 1] == colour { score += 3 }
            }
        }
        let darkCount = grid.reduce(0) { $0 + $1.filter { $0 }.count }
        let percent = darkCount * 100 / (size * size)
        score += abs(percent - 50) / 5 * 10
        return score
    }
}
