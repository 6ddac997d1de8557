import Foundation
import MCP

/// The results hermes reads, as each revision defines them. The items inside (tools, resources,
/// prompts, content blocks) are the Swift SDK's types, so the answers hermes hands on keep their
/// JSON; the envelopes are hermes' own because 2026-07-28 changed them (`resultType`, cache hints,
/// the server's name in `_meta`) and the SDK's demand fields the new revision made optional.
enum MCPResults {
    struct Initialize: Decodable {
        let protocolVersion: String
        let capabilities: PlainValue?
        let serverInfo: Implementation?
        let instructions: String?
    }

    struct Implementation: Decodable {
        let name: String
        let version: String?
    }

    /// `server/discover` (2026-07-28).
    struct Discover: Decodable {
        let supportedVersions: [String]
        let capabilities: PlainValue?
        let instructions: String?
        let _meta: Meta?
    }

    struct Meta: Decodable {
        let serverInfo: Implementation?
        enum CodingKeys: String, CodingKey { case serverInfo = "io.modelcontextprotocol/serverInfo" }
    }

    struct ToolsPage: Decodable {
        let tools: [Tool]
        let nextCursor: String?

        private enum Keys: String, CodingKey { case tools, nextCursor }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            tools = try c.decode([ListedTool].self, forKey: .tools).map(\.tool)
            nextCursor = try c.decodeIfPresent(String.self, forKey: .nextCursor)
        }
    }

    /// A tool as a server lists it, its schemas read as plain JSON (`PlainValue`) and not through
    /// the Swift SDK's `Value` decoder, which spends a regular expression on every string: a list
    /// of many tools, the largest thing most servers send, cost seconds of CPU. Its `_meta` is not
    /// read (hermes uses none of it).
    struct ListedTool: Decodable {
        let tool: Tool

        private enum Keys: String, CodingKey { case name, title, description, inputSchema, outputSchema, annotations, icons }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            tool = Tool(name: try c.decode(String.self, forKey: .name),
                        title: try c.decodeIfPresent(String.self, forKey: .title),
                        description: try c.decodeIfPresent(String.self, forKey: .description),
                        inputSchema: try c.decode(PlainValue.self, forKey: .inputSchema).value,
                        annotations: try c.decodeIfPresent(Tool.Annotations.self, forKey: .annotations) ?? .init(),
                        outputSchema: try c.decodeIfPresent(PlainValue.self, forKey: .outputSchema)?.value,
                        icons: try c.decodeIfPresent([Icon].self, forKey: .icons))
        }
    }

    struct ToolCall: Decodable {
        let content: [Tool.Content]?
        let isError: Bool?
    }

    struct ResourcesPage: Decodable {
        let resources: [Resource]
        let nextCursor: String?
    }

    struct ResourceRead: Decodable {
        let contents: [Resource.Content]
    }

    struct PromptsPage: Decodable {
        let prompts: [Prompt]
        let nextCursor: String?
    }

    struct PromptGet: Decodable {
        let description: String?
        let messages: [Prompt.Message]
    }

    /// The kind of a result: `complete`, or `input_required` (the server needs answers first:
    /// multi-round requests). Absent means complete: servers before 2026-07-28 do not say.
    struct Kind: Decodable {
        let resultType: String?
    }

    /// An `input_required` result's questions and opaque state. The questions are counted before
    /// any is read: past `maxQuestions` none is (the request fails on the count), so a server that
    /// asks ten thousand costs hermes nothing to refuse.
    struct InputRequired: Decodable {
        static let maxQuestions = 16
        let inputRequests: [String: ServerRequest]?
        let requestState: String?
        /// How many questions the server asked.
        let asked: Int

        private enum Keys: String, CodingKey { case inputRequests, requestState }
        private struct Name: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: Keys.self)
            requestState = try fields.decodeIfPresent(String.self, forKey: .requestState)
            guard fields.contains(.inputRequests), try !fields.decodeNil(forKey: .inputRequests) else {
                (inputRequests, asked) = (nil, 0)
                return
            }
            let questions = try fields.nestedContainer(keyedBy: Name.self, forKey: .inputRequests)
            asked = questions.allKeys.count
            guard asked <= Self.maxQuestions else {
                inputRequests = nil
                return
            }
            var read: [String: ServerRequest] = [:]
            for key in questions.allKeys { read[key.stringValue] = try questions.decode(ServerRequest.self, forKey: key) }
            inputRequests = read
        }
    }

    /// A request the server makes of the client: inside `input_required`, or sent on its own on
    /// the older revisions.
    struct ServerRequest: Decodable, Sendable {
        let method: String
        private let plainParams: PlainValue?
        var params: Value? { plainParams?.value }

        private enum CodingKeys: String, CodingKey {
            case method
            case plainParams = "params"
        }
    }
}

/// A response's `result` decoded as `R`, or a sentence saying what in it is not what MCP defines.
enum ResultDecoding {
    private struct Reply<R: Decodable>: Decodable { let result: R }

    static func decode<R: Decodable>(_ type: R.Type, from message: Data, method: String) throws -> R {
        do {
            return try JSONDecoder().decode(Reply<R>.self, from: message).result
        } catch {
            throw MCPTransportError.malformed("the result of \(method) is not what MCP defines: \(ReplyCheck.describe(error, droppingFirstKey: true))")
        }
    }
}
