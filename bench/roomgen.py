"""The load generator for many rooms (scenario r): ``python -m bench.roomgen``.

The same generator and commands as ``bench.loadgen`` (clients in rooms of
``room_size``, the URL holding ``{room}``), with two differences:

- ``send`` names its senders by global client index (the first client of each room),
  not by position among the open clients, so a failed handshake moves no sender into
  another room;
- ``drain`` expects at each client what its own room's sender sent, not everything
  this process sent (its ``expected_per_client`` is ignored).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.loadgen import Generator, serve


class RoomGenerator(Generator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_by_room: dict[int, int] = {}

    def room(self, index: int) -> int:
        return index // max(1, self.spec.room_size)

    async def send(self, senders: list[int], rate: float, duration: float, t0: int,
                   offsets: list[float]) -> dict[str, Any]:
        by_index = {client.index: client for client in self.clients}
        chosen = [(by_index[i], offset) for i, offset in zip(senders, offsets, strict=True)
                  if i in by_index]
        counts = await asyncio.gather(*(
            self._send_from(client, client.index, rate, duration, t0, offset)
            for client, offset in chosen
        ))
        for (client, _offset), count in zip(chosen, counts, strict=True):
            room = self.room(client.index)
            self.sent_by_room[room] = self.sent_by_room.get(room, 0) + count
        self.sent += sum(counts)
        return {"sent": sum(counts), "senders": len(chosen)}

    async def drain(self, expected_per_client: float, quiet: float, max_wait: float
                    ) -> dict[str, Any]:
        expected = sum(self.sent_by_room.get(self.room(c.index), 0) for c in self.clients)
        # The base waits for expected_per_client x clients distinct deliveries: half a
        # delivery less than the exact total is reached exactly when the total is.
        average = (expected - 0.5) / max(1, len(self.clients))
        reply = await super().drain(average, quiet, max_wait)
        reply["expected"] = expected
        return reply


def main() -> None:
    asyncio.run(serve(RoomGenerator))


if __name__ == "__main__":
    main()
