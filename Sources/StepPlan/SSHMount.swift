extension RunMountStep {
    /// A `type=ssh` mount's options, defaults applied as BuildKit's frontend does: the
    /// step sees an SSH agent socket at the target (default `/run/buildkit/ssh_agent.N`,
    /// N counting the step's ssh mounts from 0) that forwards to the agent the build was
    /// given as `--ssh ID=...`. The key holds this spec only: never the host socket's path
    /// nor a key, which differ between machines and would leak where the agent lives.
    public struct SSHMount: Sendable, Hashable {
        /// The agent's name (`--ssh ID=...`; default `default`).
        public var id: String
        /// A missing required agent stops the build; a missing optional one mounts nothing.
        public var required: Bool
        /// The socket's mode, owner and group as the step sees them (defaults 0600, 0, 0).
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32

        public init(id: String, required: Bool, mode: UInt32, uid: UInt32, gid: UInt32) {
            self.id = id
            self.required = required
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }

        /// BuildKit's default target of the step's `index`-th ssh mount (from 0).
        public static func defaultTarget(index: Int) -> String {
            "/run/buildkit/ssh_agent.\(index)"
        }

        /// The variable a step with ssh mounts gets, pointing at its first one's target,
        /// unless its environment sets it already (as BuildKit's exec op does).
        public static let socketVariable = "SSH_AUTH_SOCK"

        func keyFields(target: String) -> [String] {
            ["ssh", target, id, required ? "required" : "optional", String(mode, radix: 8), String(uid), String(gid)]
        }
    }
}
