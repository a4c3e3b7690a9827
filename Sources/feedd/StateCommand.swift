import ArgumentParser
import Foundation
import FeedConfig
import FeedModel
import FeedStore

/// `feedd state`: what feedd remembers, for a person.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Print what feedd remembers: files, entries, first-seen and change times.",
        discussion: "Reads the state directory (--state-dir or the config's state_dir). Stop a running daemon first or point at a copy: the state is locked while feedd runs."
    )

    @OptionGroup var common: CommonOptions

    @Flag(name: .long, help: "Also list entries that were removed.")
    var all = false

    func run() throws {
        let config: Configuration
        do { config = try common.configuration() } catch {
            FileHandle.standardError.write(Data("feedd: invalid configuration: \(error.fullDescription)\n".utf8))
            throw ExitStatus.badConfig
        }
        guard FileManager.default.fileExists(atPath: config.stateDir + "/state.sqlite") else {
            print("No state in \(config.stateDir) yet: run `feedd --once` first.")
            return
        }
        let store: StateStore
        do { store = try StateStore(directory: config.stateDir) } catch {
            FileHandle.standardError.write(Data("feedd: \(error.description)\n".utf8))
            throw ExitStatus.stateFailure
        }
        let summary = try store.summary()
        print("state: \(config.stateDir)")
        print("files: \(summary.files) (\(summary.rejectedFiles) with problems)")
        print("entries: \(summary.live[.publication] ?? 0) publications, \(summary.live[.job] ?? 0) openings live; \(summary.removed) removed")
        print("")
        let rows = try store.listing(includeRemoved: all)
        guard !rows.isEmpty else { return }
        print(pad("KIND", 11) + pad("PUBLISHED", 21) + pad("LAST CHANGED", 21) + pad("STATUS", 21) + pad("FINGERPRINT", 13) + "KEY / TITLE (SOURCE)")
        for e in rows {
            let status = e.removedAt.map { "removed " + String($0.rfc3339.prefix(10)) } ?? "live"
            print(pad(e.kind.rawValue, 11) + pad(e.published.rfc3339, 21) + pad(e.lastChanged.rfc3339, 21) + pad(status, 21)
                  + pad(e.fingerprint.description, 13) + "\(e.key)")
            print(String(repeating: " ", count: 87) + "  " + oneLine(e.title) + "  (" + oneLine(e.source) + ")")
        }
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private func oneLine(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? "?" : Character($0) })
    }
}
