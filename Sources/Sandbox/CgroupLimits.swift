/// The cgroup limits of every RUN step, with docker's flags and meanings: `--memory`,
/// `--memory-swap`, `--cpus`, `--cpu-shares` and `--pids-limit`. Pure values: which files
/// get which values per cgroup version is ``CgroupSettings``; the writes are `StepCgroup`'s.
public struct CgroupLimits: Sendable, Hashable {
    /// The process limit of a step unless `--pids-limit` says otherwise. The pids
    /// controller counts threads too: 4096 leaves room for a `make -j` of threaded compilers
    /// and linkers or a JVM build's hundreds of threads, while a fork bomb stops at 4096
    /// tasks, far below the kernel's `pid_max` and `threads-max`, so the host stays usable.
    /// (podman's default is 2048; docker's is no limit.)
    public static let defaultPidsLimit: UInt64 = 4096
    /// docker's smallest `--memory`: below it a container cannot even start.
    public static let minimumMemory: UInt64 = 6 << 20
    /// The CFS period `--cpus` is expressed in, as docker's (100 ms, in microseconds).
    public static let cpuPeriod: UInt64 = 100_000
    /// The smallest CFS quota the kernel accepts (1 ms, in microseconds).
    public static let minimumCPUQuota: UInt64 = 1_000

    /// `--memory-swap`: memory plus swap, or no limit on swap.
    public enum MemorySwap: Sendable, Hashable {
        case unlimited
        case bytes(UInt64)
    }

    /// `--memory` in bytes, or nil for no limit.
    public var memory: UInt64?
    /// `--memory-swap` as given; nil means docker's default (as much swap as memory).
    public var memorySwap: MemorySwap?
    /// The CFS quota per ``cpuPeriod`` in microseconds (`--cpus` times the period).
    public var cpuQuota: UInt64?
    /// `--cpu-shares`, the relative weight (v1 `cpu.shares`, converted for v2).
    public var cpuShares: UInt64?
    /// `--pids-limit`, or nil for no limit.
    public var pidsLimit: UInt64? = CgroupLimits.defaultPidsLimit
    /// Whether ``pidsLimit`` is the default rather than asked for: a host whose pids
    /// controller cannot be used leaves the default out, but fails an explicit limit.
    public var pidsLimitIsDefault = true

    /// The default limits: no memory or CPU limit, ``defaultPidsLimit`` processes.
    public init() {}

    /// The total of memory and swap the step may use, in docker's meaning: `--memory-swap`
    /// when given, else twice `--memory` (as much swap as memory); nil for no limit.
    public var memoryAndSwap: UInt64? {
        guard let memory else { return nil }
        switch memorySwap {
        case .unlimited: return nil
        case .bytes(let total): return total
        case nil: return memory.multipliedReportingOverflow(by: 2).overflow ? nil : memory * 2
        }
    }

    /// Whether `path` can be a `--cgroup-parent`: not empty, no `.` or `..` component (it
    /// would climb out of the hierarchy), no NUL byte.
    public static func isValidCgroupParent(_ path: String) -> Bool { CgroupSettings.isValidParent(path) }

    /// Whether a limit needs the cpu controller.
    var needsCPUController: Bool { cpuQuota != nil || cpuShares != nil }

    // MARK: - Parsing docker's flags

    /// Sets `--memory` and `--memory-swap` from their texts (nil when not given), with
    /// docker's rules: sizes with binary units, at least ``minimumMemory``, the swap total
    /// no less than the memory and only with a memory limit.
    public mutating func setMemory(_ memoryText: String?, swap swapText: String?) throws(CgroupLimitError) {
        if let memoryText {
            let bytes = try Self.size(memoryText, flag: "--memory")
            guard bytes >= Self.minimumMemory else {
                throw CgroupLimitError(flag: "--memory", text: memoryText, reason: "the smallest memory limit is 6 MiB")
            }
            memory = bytes
        }
        guard let swapText else { return }
        guard let memory else {
            throw CgroupLimitError(
                flag: "--memory-swap", text: swapText, reason: "a swap limit needs a memory limit (--memory)")
        }
        if swapText == "-1" {
            memorySwap = .unlimited
            return
        }
        let total = try Self.size(swapText, flag: "--memory-swap")
        guard total >= memory else {
            throw CgroupLimitError(
                flag: "--memory-swap", text: swapText,
                reason: "memory plus swap must be at least the memory limit (\(Self.describe(bytes: memory)))")
        }
        memorySwap = .bytes(total)
    }

    /// Sets `--cpus` (a decimal number of CPUs, as `0.5` or `2`).
    public mutating func setCPUs(_ text: String) throws(CgroupLimitError) {
        guard let quota = Self.cpuQuota(text) else {
            throw CgroupLimitError(flag: "--cpus", text: text, reason: "expected a positive decimal number of CPUs")
        }
        guard quota >= Self.minimumCPUQuota else {
            throw CgroupLimitError(flag: "--cpus", text: text, reason: "the smallest CPU limit is 0.01")
        }
        cpuQuota = quota
    }

    /// Sets `--cpu-shares`; 0 keeps the default weight, as with docker.
    public mutating func setCPUShares(_ value: Int) throws(CgroupLimitError) {
        guard value >= 0 else {
            throw CgroupLimitError(flag: "--cpu-shares", text: String(value), reason: "a weight is not negative")
        }
        cpuShares = value == 0 ? nil : UInt64(value)
    }

    /// Sets `--pids-limit`; 0 or -1 is no limit, as with docker.
    public mutating func setPidsLimit(_ value: Int) throws(CgroupLimitError) {
        guard value >= -1 else {
            throw CgroupLimitError(flag: "--pids-limit", text: String(value), reason: "expected a count, or -1 for no limit")
        }
        pidsLimit = value <= 0 ? nil : UInt64(value)
        pidsLimitIsDefault = false
    }

    /// A size as docker reads one (its `RAMInBytes`): a decimal number, an optional space,
    /// an optional unit `k`, `m`, `g`, `t` or `p` (any case, powers of 1024), optionally
    /// followed by `i` and/or `b` (`64m`, `64MiB`, `1.5g`, `512kb`, `100000`).
    public static func size(_ text: String, flag: String) throws(CgroupLimitError) -> UInt64 {
        var rest = Substring(text)
        let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        rest = rest.dropFirst(number.count)
        if rest.first == " " { rest = rest.dropFirst() }
        var multiplier: Double = 1
        if let unit = rest.first?.lowercased(), let power = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5][unit] {
            multiplier = Double(UInt64(1) << (10 * power))
            rest = rest.dropFirst()
        }
        if rest.first?.lowercased() == "i" { rest = rest.dropFirst() }
        if rest.first?.lowercased() == "b" { rest = rest.dropFirst() }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard rest.isEmpty, !number.isEmpty, parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }), let value = Double(number)
        else {
            throw CgroupLimitError(flag: flag, text: text, reason: "expected a size such as 64m, 1.5g or 512MiB")
        }
        let bytes = value * multiplier
        guard bytes < 9.2e18 else { throw CgroupLimitError(flag: flag, text: text, reason: "the size is too large") }
        return UInt64(bytes)
    }

    /// `--cpus` as a CFS quota in microseconds per ``cpuPeriod``, computed on the decimal
    /// digits (no binary rounding: `0.1` is exactly 10000); nil when not a positive number.
    static func cpuQuota(_ text: String) -> UInt64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)), parts[0].count <= 9
        else { return nil }
        let whole = UInt64(parts[0].isEmpty ? "0" : parts[0]) ?? 0
        // Digits beyond the period's resolution (1 µs of 100000) are dropped.
        let fractionDigits = parts.count == 2 ? String(parts[1].prefix(5)) : ""
        let fraction = UInt64(fractionDigits.padding(toLength: 5, withPad: "0", startingAt: 0)) ?? 0
        let quota = whole * cpuPeriod + fraction
        return quota == 0 ? nil : quota
    }

    /// A byte count in binary units for messages: `64 MiB`, `1.5 GiB`, `35.2 MiB`, `900 B`.
    public static func describe(bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var unit = 0
        var scale: UInt64 = 1
        while unit + 1 < units.count, bytes >= scale << 10 {
            scale <<= 10
            unit += 1
        }
        if bytes % scale == 0 { return "\(bytes / scale) \(units[unit])" }
        let tenths = UInt64((Double(bytes) / Double(scale) * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}

/// Why a cgroup limit flag's value is not one.
public struct CgroupLimitError: Error, Sendable, Equatable, CustomStringConvertible {
    public var flag: String
    public var text: String
    public var reason: String
    public var description: String { "\(flag) \(text): \(reason)" }
}
