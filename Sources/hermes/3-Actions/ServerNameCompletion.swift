import ArgumentParser
import HermesOAuth

/// Shell completion of a server name: the names in config.yaml, read by the one config loader.
/// A config that cannot be read completes nothing rather than printing into the person's prompt.
enum ServerNameCompletion {
    static var kind: CompletionKind {
        .custom { _, _, _ in names() }
    }

    static func names() -> [String] {
        let home = HermesHome.resolve()
        guard (try? home.checkUsable()) != nil, let config = try? ServerCatalogue.load(home: home) else { return [] }
        return config.serverNames
    }
}
