"""An in-memory EventStore for the SDK's streamable HTTP server (resumability, MCP 2025-11-25):
every event of every stream gets an increasing id; a client that comes back with Last-Event-ID is
sent what its stream carried after that event. The SDK defines the interface but ships no store."""
import itertools

from mcp.server.streamable_http import EventMessage, EventStore


class MemoryEventStore(EventStore):
    def __init__(self):
        self.events = []  # (event_id, stream_id, message or None for priming events)
        self.ids = itertools.count(1)
        self.replays = []  # the Last-Event-ID of each replay asked for, for tests to read

    async def store_event(self, stream_id, message):
        event_id = str(next(self.ids))
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id, send_callback):
        self.replays.append(last_event_id)
        stream = next((s for e, s, _ in self.events if e == last_event_id), None)
        if stream is None:
            return None
        after = False
        for event_id, stream_id, message in list(self.events):
            if after and stream_id == stream and message is not None:
                await send_callback(EventMessage(message, event_id))
            after = after or event_id == last_event_id
        return stream
