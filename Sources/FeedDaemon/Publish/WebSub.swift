import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import FeedModel

/// WebSub publishing (W3C WebSub §7): after a run that changed feed files,
/// each hub gets one `POST` of `hub.mode=publish` with a `hub.url` per
/// changed file's self URL (form-encoded); the hub then fetches them and
/// tells its subscribers.
///
/// A hub never delays publishing nor changes the exit code: the feeds are
/// out before any ping is sent. `--once` tries each hub once, all at the
/// same time, and gives up after `timeout`. The daemon (`WebSubQueue`)
/// retries a failing hub with backoff, merging what changed meanwhile into
/// the next ping. Both log a failure once per outage and the recovery.
public enum WebSub {
    /// A hub's answer: nil when it took the ping (2xx), else why not.
    static func ping(hub: String, urls: [String], timeout: Duration) async -> String? {
        guard let endpoint = URL(string: hub) else { return "not a URL" }
        var request = URLRequest(url: endpoint)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body(urls).utf8)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        request.timeoutInterval = seconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (_, response) = try await session.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode else { return "no HTTP answer" }
            return (200..<300).contains(status) ? nil : "answered HTTP \(status)"
        } catch {
            return (error as NSError).localizedDescription
        }
    }

    /// `hub.mode=publish&hub.url=…&hub.url=…`, each value percent-encoded for a form.
    static func body(_ urls: [String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        return (["hub.mode=publish"] + urls.map { "hub.url=" + encode($0) }).joined(separator: "&")
    }

    /// The self URLs of the feed documents a run wrote (not the pages).
    public static func changedURLs(_ report: RunReport, site: Site) -> [String] {
        report.feeds.filter { $0.written && ($0.role == .feed || $0.role == .category) }.map { site.url(of: $0.file) }
    }

    /// `--once`: every hub pinged once, at the same time; returns when all
    /// answered or `timeout` passed. Logs one line per hub.
    public static func publishOnce(_ urls: [String], hubs: [String], timeout: Duration = .seconds(3), logger: Logger) async {
        guard !urls.isEmpty, !hubs.isEmpty else { return }
        await withTaskGroup(of: (String, String?).self) { group in
            for hub in hubs { group.addTask { (hub, await ping(hub: hub, urls: urls, timeout: timeout)) } }
            for await (hub, failure) in group {
                if let failure {
                    logger.warning("WebSub hub \(hub) was not told of \(urls.count) changed feed file(s): \(failure); the feeds are published, readers will poll them",
                                   metadata: ["event": "websub-failed", "hub": .string(hub), "message": .string(failure)])
                } else {
                    logger.info("WebSub hub \(hub) told of \(urls.count) changed feed file(s)",
                                metadata: ["event": "websub-published", "hub": .string(hub), "urls": .int(urls.count)])
                }
            }
        }
    }
}

/// The daemon's WebSub pings: one queue per hub, so a hub that is down
/// neither holds up the others nor loses what changed while it was down.
actor WebSubQueue {
    private let logger: Logger
    private let timeout: Duration
    private var hubs: [String]
    /// Per hub: URLs still to tell it of, and whether a sender is running.
    private var pending: [String: Set<String>] = [:]
    private var sending: Set<String> = []
    private var failures: [String: Int] = [:]

    init(hubs: [String], logger: Logger, timeout: Duration = .seconds(5)) {
        self.hubs = hubs
        self.logger = logger
        self.timeout = timeout
    }

    /// The configured hubs changed (SIGHUP): hubs no longer named are forgotten.
    func setHubs(_ hubs: [String]) {
        self.hubs = hubs
        for hub in pending.keys where !hubs.contains(hub) { pending[hub] = nil; failures[hub] = nil }
    }

    func publish(_ urls: [String]) {
        guard !urls.isEmpty else { return }
        for hub in hubs {
            pending[hub, default: []].formUnion(urls)
            if sending.insert(hub).inserted { Task { await self.drain(hub) } }
        }
    }

    /// Sends until nothing is pending for `hub`, backing off 1 s doubling to 60 s while it fails.
    private func drain(_ hub: String) async {
        while let urls = pending[hub], !urls.isEmpty {
            pending[hub] = []
            let batch = urls.sorted()
            if let failure = await WebSub.ping(hub: hub, urls: batch, timeout: timeout) {
                guard hubs.contains(hub) else { break }
                pending[hub, default: []].formUnion(batch)
                let attempts = failures[hub, default: 0] + 1
                failures[hub] = attempts
                if attempts == 1 {
                    logger.warning("WebSub hub \(hub) was not told of \(batch.count) changed feed file(s): \(failure); retrying with backoff (1 s doubling to 60 s), logging again only on recovery",
                                   metadata: ["event": "websub-failed", "hub": .string(hub), "message": .string(failure)])
                }
                try? await Task.sleep(for: .seconds(min(60, 1 << min(attempts - 1, 6))))
            } else if let attempts = failures.removeValue(forKey: hub) {
                logger.notice("WebSub hub \(hub) answers again after \(attempts) failed attempt(s)",
                              metadata: ["event": "websub-recovered", "hub": .string(hub), "attempts": .int(attempts)])
            }
        }
        sending.remove(hub)
    }
}
