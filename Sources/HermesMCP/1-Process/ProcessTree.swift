import CHermesProcess
import HermesOAuth
import Glibc
import SystemPackage

/// Finds every live descendant of a process, so a server's whole tree can be stopped even when its
/// children daemonise or were spawned from a non-main thread.
///
/// Parents come from every process's `/proc/PID/stat`, whose parent is a process, not a thread.
/// The per-thread `/proc/PID/task/TID/children` files are cheaper but, as proc_tid_children(5)
/// warns, reliable only while the children are stopped: one child exiting during the read can
/// hide its siblings, and a child whose spawning thread exits moves to another thread's file
/// meanwhile. A teardown reads the tree exactly while children are exiting.
public enum ProcessTree {
    /// Direct children of `pid`, whichever of its threads started them.
    public static func children(of pid: pid_t) throws(Errno) -> [pid_t] {
        try parentTable().filter { $0.ppid == pid }.map(\.pid)
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

    /// All descendants of `pid` (children first, breadth-first), not including `pid` itself; none
    /// when /proc cannot be read.
    public static func descendants(of root: pid_t) -> [pid_t] {
        guard let table = try? parentTable() else { return [] }
        var byParent: [pid_t: [pid_t]] = [:]
        for entry in table { byParent[entry.ppid, default: []].append(entry.pid) }
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
