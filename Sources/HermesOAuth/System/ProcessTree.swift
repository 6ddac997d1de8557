import CHermesShims
import Glibc
import SystemPackage

/// Finds every live descendant of a process, so a server's whole tree can be stopped even when its
/// children daemonise or were spawned from a non-main thread.
public enum ProcessTree {
    public enum Source: Sendable { case taskChildren, statScan }

    /// Direct children from every thread's `/proc/PID/task/TID/children` (the main thread's file
    /// alone misses children spawned by other threads).
    public static func children(of pid: pid_t) throws(Errno) -> [pid_t] {
        var cap = 64
        while true {
            var out = [pid_t](repeating: 0, count: cap)
            let n = try shimCall(out.withUnsafeMutableBufferPointer {
                hermes_shim_proc_task_children(pid, $0.baseAddress, cap)
            })
            if n <= cap { return Array(out[0..<n]) }
            cap = n + 16
        }
    }

    /// `(pid, ppid)` for every process, from one pass over `/proc/*/stat`.
    public static func parentTable() throws(Errno) -> [(pid: pid_t, ppid: pid_t)] {
        var cap = 1024
        while true {
            var pids = [pid_t](repeating: 0, count: cap)
            var ppids = [pid_t](repeating: 0, count: cap)
            let n = try shimCall(pids.withUnsafeMutableBufferPointer { p in
                ppids.withUnsafeMutableBufferPointer { pp in hermes_shim_proc_scan(p.baseAddress, pp.baseAddress, cap) }
            })
            if n <= cap { return (0..<n).map { (pids[$0], ppids[$0]) } }
            cap = n + 64
        }
    }

    /// All descendants of `pid` (children first, breadth-first), not including `pid` itself.
    public static func descendants(of pid: pid_t, source: Source? = nil) -> [pid_t] {
        switch source {
        case .taskChildren: return (try? descendantsViaTasks(of: pid)) ?? []
        case .statScan: return (try? descendantsViaScan(of: pid)) ?? []
        case nil: return (try? descendantsViaTasks(of: pid)) ?? (try? descendantsViaScan(of: pid)) ?? []
        }
    }

    private static func descendantsViaTasks(of root: pid_t) throws(Errno) -> [pid_t] {
        var result: [pid_t] = []
        var seen: Set<pid_t> = [root]
        var queue = try children(of: root)
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard seen.insert(next).inserted else { continue }
            result.append(next)
            // A child that exited between the two reads simply has no further descendants.
            queue.append(contentsOf: (try? children(of: next)) ?? [])
        }
        return result
    }

    private static func descendantsViaScan(of root: pid_t) throws(Errno) -> [pid_t] {
        var byParent: [pid_t: [pid_t]] = [:]
        for entry in try parentTable() { byParent[entry.ppid, default: []].append(entry.pid) }
        var result: [pid_t] = []
        var seen: Set<pid_t> = [root]
        var queue = byParent[root] ?? []
        while !queue.isEmpty {
            let next = queue.removeFirst()
            guard seen.insert(next).inserted else { continue }
            result.append(next)
            queue.append(contentsOf: byParent[next] ?? [])
        }
        return result
    }
}
