extension SandboxConfiguration {
    /// The step's `/etc/hosts`: localhost and the sandbox's host name, then ``extraHosts``.
    var hostsFileContent: String {
        var text = "127.0.0.1\tlocalhost \(hostname)\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        for entry in extraHosts {
            text += "\(entry.address)\t\(entry.name)\n"
        }
        return text
    }
}
