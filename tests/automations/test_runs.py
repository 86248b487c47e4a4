"""Runs: steps executed once, history, retries, cancellation, versions."""

from __future__ import annotations

import pytest
from tests.automations.conftest import PLATFORM, Clock, new_wallet

from coffer.automations import AutomationsPlatform, Worker
from coffer.automations import schemas as S
from coffer.automations.definitions import DefinitionInvalid
from coffer.wallets import WalletPlatform


def transfer_definition(source: str, target: str, amount: str | int = "=inputs.amount") -> dict:
    return {
        "trigger": {"type": "manual", "required_inputs": ["amount"]},
        "steps": [
            {
                "id": "pay",
                "type": "transfer",
                "debited_wallet_id": source,
                "credited_wallet_id": target,
                "amount": amount,
                "currency": "EUR",
            }
        ],
    }


def test_manual_run_moves_money_once(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 10_000)
    bob = new_wallet(wallets, "Bob Stone")
    automation = automations.create(
        PLATFORM,
        S.AutomationCreate(name="pay bob", definition=transfer_definition(alice.id, bob.id)),
    )
    assert automation.secret is not None and automation.secret.startswith("whsec_")
    run = automations.start_run(PLATFORM, automation.id, {"amount": 2_500}, idempotency_key="k1")
    again = automations.start_run(PLATFORM, automation.id, {"amount": 2_500}, idempotency_key="k1")
    assert again.id == run.id
    assert worker.run_until_idle() >= 1
    done = automations.run(PLATFORM, run.id)
    assert done.status == "succeeded", done.error
    assert done.steps is not None and [s.status for s in done.steps] == ["succeeded"]
    assert done.steps[0].output["amount"] == 2_500
    assert wallets.wallets.wallet(bob.id).balance == 2_500
    assert wallets.wallets.wallet(alice.id).balance == 7_500


def test_bad_definitions_are_refused_when_saved(automations: AutomationsPlatform) -> None:
    bad = transfer_definition("w1", "w2", "=inputs.amount +")
    with pytest.raises(DefinitionInvalid, match=r"step 'pay'.amount: syntax error"):
        automations.create(PLATFORM, S.AutomationCreate(name="x", definition=bad))
    unknown = transfer_definition("w1", "w2", "=secret.amount")
    with pytest.raises(DefinitionInvalid, match="reads secret"):
        automations.create(PLATFORM, S.AutomationCreate(name="x", definition=unknown))
    missing = {"trigger": {"type": "manual"}, "steps": [{"id": "pay", "type": "transfer"}]}
    with pytest.raises(DefinitionInvalid, match="needs debited_wallet_id"):
        automations.create(PLATFORM, S.AutomationCreate(name="x", definition=missing))
    with pytest.raises(DefinitionInvalid, match="RRULE"):
        automations.create(
            PLATFORM,
            S.AutomationCreate(
                name="x",
                definition={
                    "trigger": {"type": "schedule", "rrule": "FREQ=SOMETIMES"},
                    "steps": [{"id": "s", "type": "set", "values": {"a": 1}}],
                },
            ),
        )


def test_dunning_retries_insufficient_funds_then_succeeds(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100)
    bob = new_wallet(wallets, "Bob Stone")
    definition = transfer_definition(alice.id, bob.id, 1_000)
    definition["steps"][0]["retry"] = {
        "max_attempts": 4,
        "backoff_seconds": 86_400,
        "max_backoff_seconds": 7 * 86_400,
        "on": ["insufficient_funds"],
    }
    automation = automations.create(PLATFORM, S.AutomationCreate(name="sub", definition=definition))
    run = automations.start_run(PLATFORM, automation.id, {"amount": 0})
    worker.run_until_idle()
    waiting = automations.run(PLATFORM, run.id)
    assert waiting.status == "pending"
    assert waiting.steps is not None and waiting.steps[0].status == "retrying"
    assert waiting.steps[0].error is not None
    assert waiting.steps[0].error["code"] == "insufficient_funds"
    clock.advance(hours=23)
    worker.run_until_idle()
    assert automations.run(PLATFORM, run.id).steps[0].attempts == 1  # type: ignore[index]
    clock.advance(hours=2)
    worker.run_until_idle()  # second attempt: still short, next one two days later
    from tests.wallets.helpers import fund

    fund(wallets, alice.id, 5_000)
    clock.advance(days=2, hours=1)
    worker.run_until_idle()
    done = automations.run(PLATFORM, run.id)
    assert done.status == "succeeded", done.error
    assert done.steps is not None and done.steps[0].attempts == 3
    assert wallets.wallets.wallet(bob.id).balance == 1_000


def test_failed_run_emits_event_and_can_be_retried(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100)
    bob = new_wallet(wallets, "Bob Stone")
    automation = automations.create(
        PLATFORM, S.AutomationCreate(name="x", definition=transfer_definition(alice.id, bob.id))
    )
    run = automations.start_run(PLATFORM, automation.id, {"amount": 1_000})
    worker.run_until_idle()
    failed = automations.run(PLATFORM, run.id)
    assert failed.status == "failed"
    assert failed.error is not None and failed.error["code"] == "insufficient_funds"
    events = wallets.webhooks.events(types=["automation.run_failed"]).data
    assert [e.data["object"]["id"] for e in events] == [run.id]
    from tests.wallets.helpers import fund

    fund(wallets, alice.id, 1_000)
    automations.retry_run(PLATFORM, run.id)
    worker.run_until_idle()
    assert automations.run(PLATFORM, run.id).status == "succeeded"
    assert wallets.wallets.wallet(bob.id).balance == 1_000


def test_edit_creates_a_version_runs_keep_theirs(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 10_000)
    bob = new_wallet(wallets, "Bob Stone")
    automation = automations.create(
        PLATFORM,
        S.AutomationCreate(name="x", definition=transfer_definition(alice.id, bob.id, 100)),
    )
    first = automations.start_run(PLATFORM, automation.id, {"amount": 1})
    updated = automations.update(
        PLATFORM,
        automation.id,
        S.AutomationUpdate(definition=transfer_definition(alice.id, bob.id, 200)),
    )
    assert updated.version == 2
    second = automations.start_run(PLATFORM, automation.id, {"amount": 1})
    worker.run_until_idle()
    assert automations.run(PLATFORM, first.id).version == 1
    assert automations.run(PLATFORM, second.id).version == 2
    assert wallets.wallets.wallet(bob.id).balance == 300
    assert [v.version for v in automations.versions(PLATFORM, automation.id)] == [1, 2]
    paused = automations.set_status(PLATFORM, automation.id, "paused")
    assert paused.status == "paused"
    with pytest.raises(Exception, match="paused"):
        automations.start_run(PLATFORM, automation.id, {"amount": 1})
    automations.set_status(PLATFORM, automation.id, "active")
    automations.set_status(PLATFORM, automation.id, "archived")
    with pytest.raises(Exception, match="archived"):
        automations.set_status(PLATFORM, automation.id, "active")


def test_other_platform_cannot_read(
    automations: AutomationsPlatform, wallets: WalletPlatform
) -> None:
    alice = new_wallet(wallets, "Alice Martin", 100)
    automation = automations.create(
        PLATFORM, S.AutomationCreate(name="x", definition=transfer_definition(alice.id, alice.id))
    )
    from coffer.errors import NotFound

    with pytest.raises(NotFound):
        automations.automation("plat_other", automation.id)
    assert automations.automations("plat_other").data == []


def test_call_loop_branch_and_signed_webhook_step(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, clock: Clock
) -> None:
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received: list[tuple[dict[str, str], bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204 if len(received) > 1 else 500)  # the first one fails
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        child = automations.create(
            PLATFORM,
            S.AutomationCreate(
                name="double",
                definition={
                    "trigger": {"type": "manual"},
                    "steps": [{"id": "twice", "type": "set", "values": {"n": "=inputs.n * 2"}}],
                },
            ),
        )
        parent = automations.create(
            PLATFORM,
            S.AutomationCreate(
                name="parent",
                definition={
                    "trigger": {"type": "manual"},
                    "steps": [
                        {
                            "id": "sub",
                            "type": "call",
                            "automation_id": child.id,
                            "inputs": {"n": 21},
                        },
                        {
                            "id": "each",
                            "type": "loop",
                            "over": "=[1, 2, 3]",
                            "as": "x",
                            "steps": [
                                {
                                    "id": "pick",
                                    "type": "branch",
                                    "if": "x % 2 == 1",
                                    "then": [
                                        {"id": "odd", "type": "set", "values": {"last_odd": "=x"}}
                                    ],
                                }
                            ],
                        },
                        {
                            "id": "notify",
                            "type": "webhook",
                            "url": f"http://127.0.0.1:{server.server_port}/hook",
                            "body": {
                                "doubled": "=steps.sub.output.twice.n",
                                "odd": "=vars.last_odd",
                            },
                            "retry": {"max_attempts": 3, "backoff_seconds": 0.01},
                        },
                    ],
                },
            ),
        )
        run = automations.start_run(PLATFORM, parent.id, {})
        for _ in range(5):
            worker.run_until_idle()
            clock.advance(seconds=1)
        done = automations.run(PLATFORM, run.id)
        assert done.status == "succeeded", done.error
        assert [s.key for s in done.steps or []] == [
            "sub",
            "each",
            "each[0].pick",
            "each[0].odd",
            "each[1].pick",
            "each[2].pick",
            "each[2].odd",
            "notify",
        ]
        assert len(received) == 2  # one failure, one retry with the same webhook-id
        assert received[0][0]["webhook-id"] == received[1][0]["webhook-id"]
        assert json.loads(received[1][1]) == {"doubled": 42, "odd": 3}
        assert received[1][0]["webhook-signature"].startswith("v1,")
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[fd00::1]/hook"]
)
def test_webhook_step_follows_the_egress_policy(
    automations: AutomationsPlatform, worker: Worker, clock: Clock, url: str
) -> None:
    """Private, link-local and metadata addresses are refused before anything is sent, as
    for webhook endpoints (coffer.wallets.egress); the run fails and says why. (A mock
    transport stands in for the network: nothing can leave the machine.)"""
    import httpx

    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    automations.http = httpx.Client(transport=httpx.MockTransport(record))
    automation = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="notify a private address",
            definition={
                "trigger": {"type": "manual"},
                "steps": [{"id": "notify", "type": "webhook", "url": url, "body": {}}],
            },
        ),
    )
    run = automations.start_run(PLATFORM, automation.id, {})
    for _ in range(3):
        worker.run_until_idle()
        clock.advance(seconds=1)
    done = automations.run(PLATFORM, run.id)
    assert sent == []
    assert done.status == "failed"
    assert "refused" in str(done.error) or "not allowed" in str(done.error), done.error


def test_hold_capture_and_numscript_steps(
    automations: AutomationsPlatform, worker: Worker, wallets: WalletPlatform, coffer_db: object
) -> None:
    buyer = new_wallet(wallets, "Mia Buyer", 10_000)
    seller = new_wallet(wallets, "Ned Seller")
    automation = automations.create(
        PLATFORM,
        S.AutomationCreate(
            name="hold then capture, and book a fee on the ops ledger",
            definition={
                "trigger": {"type": "manual"},
                "steps": [
                    {
                        "id": "hold",
                        "type": "hold",
                        "action": "create",
                        "buyer_wallet_id": buyer.id,
                        "seller_wallet_id": seller.id,
                        "amount": 3_000,
                        "currency": "EUR",
                    },
                    {
                        "id": "capture",
                        "type": "hold",
                        "action": "capture",
                        "payment_id": "=steps.hold.id",
                        "amount": 2_000,
                    },
                    {
                        "id": "book",
                        "type": "numscript",
                        "ledger": "ops",
                        "script": "vars { monetary $fee }\nsend $fee (\n  source = @world\n  destination = @fees:automations\n)",
                        "vars": {"fee": '="EUR/2 " + string(steps.capture.captured_amount / 100)'},
                    },
                ],
            },
        ),
    )
    run = automations.start_run(PLATFORM, automation.id, {})
    worker.run_until_idle()
    done = automations.run(PLATFORM, run.id)
    assert done.status == "succeeded", done.error
    assert done.steps is not None and done.steps[1].output["status"] == "captured"
    assert wallets.wallets.wallet(seller.id).balance == 2_000
    assert wallets.wallets.wallet(buyer.id).balance == 8_000
    ops = wallets.coffer.ledger("ops")
    assert ops.balance("fees:automations", "EUR/2") == 20
    with pytest.raises(DefinitionInvalid, match="script"):
        automations.create(
            PLATFORM,
            S.AutomationCreate(
                name="bad",
                definition={
                    "trigger": {"type": "manual"},
                    "steps": [{"id": "x", "type": "numscript", "script": "send ("}],
                },
            ),
        )
