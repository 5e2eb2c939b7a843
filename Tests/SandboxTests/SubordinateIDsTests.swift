import System
import Testing

@testable import Sandbox

/// The pure half of rootless mode: `/etc/subuid` lines, the `newuidmap` arguments, and how
/// much of the ID space a `uid_map` covers.
@Suite("Subordinate IDs")
struct SubordinateIDsTests {
    @Test func rangesOfTheUserByNameOrNumberInFileOrder() {
        let file = """
            # comment:1:2
            alice:100000:65536
            bob:165536:65536
            1001:300000:10
            alice:400000:1000
            broken:x:1
            carol:4294967000:1000
            """
        #expect(
            SubordinateIDs.ranges(in: file, name: "alice", id: 1000)
                == [.init(start: 100000, count: 65536), .init(start: 400000, count: 1000)])
        #expect(SubordinateIDs.ranges(in: file, name: "dave", id: 1001) == [.init(start: 300000, count: 10)])
        #expect(SubordinateIDs.ranges(in: file, name: "carol", id: 7).isEmpty, "a range past 2^32 is ignored")
        #expect(SubordinateIDs.ranges(in: "", name: "alice", id: 1000).isEmpty)
    }

    @Test func mapArgumentsPutTheUserAtZeroAndTheRangesAfterIt() {
        #expect(SubordinateIDs.mapArguments(ownID: 1000, ranges: []) == ["0", "1000", "1"])
        #expect(
            SubordinateIDs.mapArguments(
                ownID: 1000, ranges: [.init(start: 100000, count: 65536), .init(start: 400000, count: 10)])
                == ["0", "1000", "1", "1", "100000", "65536", "65537", "400000", "10"])
    }

    @Test func mappedCountIsTheContiguousSpanFromZero() {
        #expect(SubordinateIDs.mappedCount(fromMap: "         0          0 4294967295\n") == .max)
        #expect(SubordinateIDs.mappedCount(fromMap: "0 1000 1\n") == 1)
        #expect(SubordinateIDs.mappedCount(fromMap: "0 1000 1\n1 200000 65536\n") == 65537)
        #expect(SubordinateIDs.mappedCount(fromMap: "1 200000 65536\n0 1000 1\n") == 65537)
        #expect(SubordinateIDs.mappedCount(fromMap: "") == 0)
    }

    @Test func aMappingContainsOnlyItsIDs() {
        let single = IDMapping(userIDCount: 1, groupIDCount: 1)
        #expect(single.contains(uid: 0, gid: 0))
        #expect(!single.contains(uid: 1000, gid: 0))
        #expect(!single.contains(uid: 0, gid: 5))
        #expect(IDMapping.identity.contains(uid: 4_000_000_000, gid: 7))
        #expect(IDMapping(userIDCount: 65537, groupIDCount: 65537).contains(uid: 65536, gid: 65534))
    }
}
