import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A stand-in WebSub hub on 127.0.0.1 (`scripts/stand-in-hub.py`), started
/// and stopped by the test: it records every POST it gets.
final class StandInHub: @unchecked Sendable {
    let port: Int
    private let process = Process()
    /// The hub's stdout: `READY`, then one `POST …` line per request.
    private let output: URL
    var url: String { "http://127.0.0.1:\(port)/hub" }

    /// - Parameter answer: an HTTP status, or "silent" for a hub that never answers.
    init(answer: String = "204", port: Int? = nil) throws {
        self.port = port ?? StandInHub.freePort()
        output = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-hub-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", E2E.repoRoot.appendingPathComponent("scripts/stand-in-hub.py").path, String(self.port), answer]
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !lines.contains("READY"), Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }

    deinit {
        // SIGKILL: a child of the test runner may inherit SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: output)
    }

    private var lines: [String] {
        ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var received: [String] { lines.filter { $0.hasPrefix("POST ") } }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Issue 16, "What users must see", item 3.
struct WebSubTests {
    static func config(_ box: Sandbox, hubs: [String]) throws -> String {
        let path = box.root.appendingPathComponent("websub.toml").path
        let list = hubs.map { "\"\($0)\"" }.joined(separator: ", ")
        try Data("[site]\nbase_url = \"https://feeds.example.org/\"\n[websub]\nhubs = [\(list)]\n".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aRunThatChangedFeedsTellsTheHubAndTheFeedsNameIt() throws {
        let hub = try StandInHub()
        let box = try Sandbox()
        try box.write("publications/p.md", Fixture.publication(id: "p", title: "P"))
        let config = try Self.config(box, hubs: [hub.url])
        let run = try box.once(["--config", config])
        #expect(run.status == 0, "\(run)")
        #expect(try String(contentsOf: box.publications, encoding: .utf8).contains("<link rel=\"hub\" href=\"\(hub.url)\"/>"))
        let posts = hub.received
        #expect(posts.count == 1, "\(posts)")
        #expect(posts.first?.hasPrefix("POST /hub application/x-www-form-urlencoded hub.mode=publish&") == true, "\(posts)")
        #expect(posts.first?.contains("hub.url=https%3A%2F%2Ffeeds.example.org%2Fpublications.atom") == true, "\(posts)")
        #expect(try run.logLines().contains { $0.event == "websub-published" })
        // Nothing changed: no ping.
        _ = try box.once(["--config", config])
        #expect(hub.received.count == 1)
    }

    @Test func aHubThatFailsOrHangsChangesNothingButTheLog() throws {
        for answer in ["500", "silent"] {
            let hub = try StandInHub(answer: answer)
            let box = try Sandbox()
            try box.write("publications/p.md", Fixture.publication(id: "p", title: "P"))
            let started = Date()
            let run = try box.once(["--config", try Self.config(box, hubs: [hub.url])])
            let seconds = Date().timeIntervalSince(started)
            #expect(run.status == 0, "\(answer): \(run)")
            #expect(seconds < 8, "\(answer): took \(seconds) s")
            let failed = try run.logLines().filter { $0.event == "websub-failed" }
            #expect(failed.count == 1 && failed.first?.level == "warning", "\(answer): \(run)")
            #expect(try ParsedFeed(box.publications).entries.map(\.title) == ["P"], "\(answer): the feed was not published")
        }
    }

    @Test func theDaemonRetriesAFailingHubAndSaysWhenItRecovers() async throws {
        let port = StandInHub.freePort()
        let scratch = try DaemonScratch()
        try DaemonHarness.write(Fixture.publication(id: "d", title: "D"), to: scratch.source + "/publications/d.md")
        let config = try scratch.writeConfig("[site]\nbase_url = \"https://feeds.example.org/\"\n[websub]\nhubs = [\"http://127.0.0.1:\(port)/hub\"]\n")
        let daemon = try DaemonProcess(["--config", config, "--log-format", "json"], cwd: scratch.cwd)
        defer { daemon.kill() }
        #expect(await daemon.log.wait(for: "websub-failed", timeout: .seconds(15)), "\(daemon.log.tail())")
        let hub = try StandInHub(port: port)
        // The backoff doubles from 1 s: under load the hub may come up as late as the fourth or fifth try.
        #expect(await daemon.log.wait(for: "websub-recovered", timeout: .seconds(70)), "\(daemon.log.tail())")
        #expect(hub.received.count == 1 && hub.received.first?.contains("publications.atom") == true, "\(hub.received)")
        #expect(daemon.log.lines(event: "websub-failed").count == 1, "logged once per outage\n\(daemon.log.tail())")
    }
}
