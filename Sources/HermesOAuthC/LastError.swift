import Glibc

/// The per-thread message behind `hermes_last_error()`. A pthread key rather than a Swift
/// thread-local: C threads that never touch Swift concurrency must each see their own message, and
/// the key's destructor frees it when the thread exits.
package enum LastError {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { free($0) }
        precondition(rc == 0, "pthread_key_create failed")
        return key
    }()

    /// Records `message` for this thread and returns `status.rawValue`, so exports can
    /// `return LastError.fail(.invalidArgument, "...")`.
    package static func fail(_ status: HermesStatus, _ message: String) -> Int32 {
        let copy = strdup(message)
        if let old = pthread_getspecific(key) { free(old) }
        pthread_setspecific(key, copy)
        return status.rawValue
    }

    package static var current: UnsafePointer<CChar>? {
        pthread_getspecific(key).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }
}
