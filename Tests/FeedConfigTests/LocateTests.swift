import Foundation
import Testing
@testable import FeedConfig

@Suite struct LocateTests {
    /// A fresh directory with `cwd/` and `etc/` inside.
    func sandbox() throws -> (cwd: String, system: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("feedd-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base.appendingPathComponent("cwd/Config"),
                                                withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: base.appendingPathComponent("etc"), withIntermediateDirectories: true)
        return (base.appendingPathComponent("cwd").path, base.appendingPathComponent("etc/feedd.toml").path)
    }

    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func resolutionOrder() throws {
        let (cwd, system) = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: (cwd as NSString).deletingLastPathComponent) }

        // Nothing anywhere: built-in defaults under cwd.
        var config = try ConfigLoader.locate(explicit: nil, cwd: cwd, systemPath: system)
        #expect(config == Configuration.defaults(cwd: cwd))
        #expect(config.file == nil)

        // The system file is next.
        try write("[site]\ntitle = \"system\"\nsource = \"x\"\n".replacingOccurrences(of: "source = \"x\"\n", with: ""),
                  to: system)
        config = try ConfigLoader.locate(explicit: nil, cwd: cwd, systemPath: system)
        #expect(config.site.title == "system")
        #expect(config.file == system)
        #expect(config.source == (system as NSString).deletingLastPathComponent + "/Entries")

        // Config/feedd.toml in cwd wins over it; its paths resolve against Config/.
        try write("source = \"../Entries\"\n[site]\ntitle = \"project\"\n", to: cwd + "/Config/feedd.toml")
        config = try ConfigLoader.locate(explicit: nil, cwd: cwd, systemPath: system)
        #expect(config.site.title == "project")
        #expect(config.file == cwd + "/Config/feedd.toml")
        #expect(config.source == cwd + "/Entries")
        #expect(config.output == cwd + "/Config/Feeds")

        // An explicit path wins over both, relative to cwd.
        try write("[site]\ntitle = \"explicit\"\n", to: cwd + "/mine.toml")
        config = try ConfigLoader.locate(explicit: "mine.toml", cwd: cwd, systemPath: system)
        #expect(config.site.title == "explicit")
        #expect(config.file == cwd + "/mine.toml")
    }

    @Test func explicitMissingFileNeverFallsBack() throws {
        let (cwd, system) = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: (cwd as NSString).deletingLastPathComponent) }
        try write("", to: cwd + "/Config/feedd.toml")
        #expect {
            try ConfigLoader.locate(explicit: "nope.toml", cwd: cwd, systemPath: system)
        } throws: { error in
            let error = error as! ConfigError
            return error.file == "nope.toml" && error.message.contains(cwd + "/nope.toml")
                && error.message.contains("--config")
        }
    }

    @Test func errorsNameTheFileAsFound() throws {
        let (cwd, system) = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: (cwd as NSString).deletingLastPathComponent) }
        try write("\n[[feed]]\nname = \"a\"\nkind = \"job\"\ncap = \"lots\"\n", to: cwd + "/Config/feedd.toml")
        do {
            _ = try ConfigLoader.locate(explicit: nil, cwd: cwd, systemPath: system)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "Config/feedd.toml:5: feed[0].cap: must be a whole number from 1 to 10000, got \"lots\"")
        }
        // A directory or non-UTF-8 file is a clear error too.
        #expect(throws: ConfigError.self) { try ConfigLoader.locate(explicit: "Config", cwd: cwd, systemPath: system) }
        try Data([0x61, 0x20, 0x3D, 0x20, 0xFF]).write(to: URL(fileURLWithPath: cwd + "/bad.toml"))
        #expect(throws: ConfigError.self) { try ConfigLoader.locate(explicit: "bad.toml", cwd: cwd, systemPath: system) }
    }
}
