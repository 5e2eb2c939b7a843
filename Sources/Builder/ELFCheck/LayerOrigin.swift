/// The Dockerfile instruction that made a layer, for reports about the files in it.
public struct LayerOrigin: Sendable, Equatable, CustomStringConvertible {
    /// The Dockerfile, as given to the build.
    public var file: String
    /// The instruction's first line.
    public var line: Int
    /// The instruction on one line, e.g. `COPY --from=builder /src/app /app`.
    public var instruction: String

    /// `COPY --from=builder /src/app /app (Dockerfile:8)`.
    public var description: String { "\(instruction) (\(file):\(line))" }
}
