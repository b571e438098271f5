"""Back-pressure (``config/flow_control.py``) is on whenever the app is served by Daphne,
and the app refuses to start on a Daphne that would silently leave it off."""

from __future__ import annotations

import pytest
from daphne import server
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol

from config import flow_control


def test_loading_the_app_installs_flow_control() -> None:
    import config.asgi  # what `daphne config.asgi:application` loads

    assert config.asgi.application is not None
    assert flow_control.installed()
    assert WebSocketFactory.protocol is flow_control.FlowControlledWebSocketProtocol


def test_a_daphne_that_builds_websockets_elsewhere_is_refused(monkeypatch) -> None:
    class OtherFactory(WebSocketFactory):
        pass

    monkeypatch.setattr(server, "WebSocketFactory", OtherFactory)
    with pytest.raises(flow_control.DaphneChanged, match="update config/flow_control.py"):
        flow_control.install()


def test_a_daphne_that_hands_over_its_queue_elsewhere_is_refused(monkeypatch) -> None:
    def applicationCreateWorked(self, queue) -> None:  # Daphne's name
        self.queue = queue

    monkeypatch.setattr(WebSocketProtocol, "applicationCreateWorked", applicationCreateWorked)
    with pytest.raises(flow_control.DaphneChanged, match="application_queue"):
        flow_control.install()
