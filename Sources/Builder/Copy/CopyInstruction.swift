/// The instruction a copy performs; it decides whether local archives are unpacked and
/// names the instruction in errors.
public enum CopyInstruction: String, Sendable, Hashable {
    /// `COPY`: files are copied as they are.
    case copy = "COPY"
    /// `ADD`: like `COPY`, but local tar archives are extracted into the destination.
    case add = "ADD"
}
