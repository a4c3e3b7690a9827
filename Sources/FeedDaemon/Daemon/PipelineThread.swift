import Dispatch

/// The daemon's pipeline, on a thread of its own.
///
/// A run blocks for as long as it takes (file reads, SQLite, fsync; seconds
/// for a first scan of a large tree). On one of Swift's cooperative threads,
/// which are as many as cores, it would hold up the tasks that feed the
/// event loop: the watcher's stream, the timers, the signals.
///
/// `@unchecked Sendable`: the pipeline is only ever used on `queue`.
final class PipelineThread: @unchecked Sendable {
    private let queue = DispatchQueue(label: "feedd.pipeline")
    private var pipeline: Pipeline

    init(_ pipeline: Pipeline) {
        self.pipeline = pipeline
    }

    /// Runs `body` with the pipeline on the pipeline's thread.
    func perform<T: Sendable>(_ body: @escaping @Sendable (Pipeline) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body(self.pipeline)) }
        }
    }

    /// Replaces the pipeline with the one `make` builds from the old one (a
    /// new state directory); the old one stays when `make` throws.
    func replace<E: Error>(_ make: @escaping @Sendable (Pipeline) throws(E) -> Pipeline) async throws(E) {
        let outcome: Result<Void, E> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(E) {
                    self.pipeline = try make(self.pipeline)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        try outcome.get()
    }
}
