/// The C callback types, as include/hermesmcp.h declares them.

/// `hermes_mcp_progress_fn`: progress, total (negative when the server gave none), the server's
/// message (NULL when none), the caller's pointer.
public typealias hermes_mcp_progress_fn = @convention(c) (Double, Double, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void

/// `hermes_mcp_elicit_fn`: the server's name, the question as JSON, the host's pointer; answers
/// JSON the host allocated with malloc (hermes frees it), or NULL to decline.
public typealias hermes_mcp_elicit_fn = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> UnsafeMutablePointer<CChar>?

/// `hermes_mcp_change_fn`: the server's name, what changed, the host's pointer.
public typealias hermes_mcp_change_fn = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void
