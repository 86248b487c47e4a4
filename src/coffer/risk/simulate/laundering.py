"""Money-laundering typologies (not labelled fraud): each call records one pattern."""

from __future__ import annotations

from collections.abc import Callable

from coffer.risk.simulate.world import Pattern, SimCustomer, World

DAY = 86400.0
HOUR = 3600.0


def _actor(world: World, at: float, new: bool = True) -> SimCustomer:
    rng = world.rng
    if not new:
        people = [
            c
            for c in world.customers.values()
            if c.kind == "natural" and c.role == "person" and c.created_at < at - 30 * DAY
        ]
        if people:
            return rng.choice(people)
    actor = world.add_customer(
        at - rng.uniform(1, 60) * DAY if new else at - 200 * DAY, role="actor"
    )
    return actor


def _iban(world: World, country: str) -> str:
    """A bank account outside the platform, in ``country``."""
    return f"iban:{country}{world.rng.randrange(10**15, 10**16)}"


def _bank_in(
    world: World, at: float, actor: SimCustomer, amount: float, country: str, pattern: Pattern
) -> None:
    """A bank pay-in to ``actor`` from an account in ``country``."""
    world.transaction(at, "payin_bank", actor, amount, _iban(world, country), pattern=pattern)


def _send(
    world: World,
    at: float,
    kind: str,
    actor: SimCustomer,
    amount: float,
    counterparty: str,
    pattern: Pattern,
) -> None:
    """A transfer or payout ``actor`` makes from its own device and country."""
    device, ip = actor.at_home()
    world.transaction(at, kind, actor, amount, counterparty, None, ip, device, pattern=pattern)


def structuring(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("structuring")
    actor = _actor(world, at, new=rng.random() < 0.5)
    threshold = rng.choice((1_000_000, 1_000_000, 1_500_000))
    moment = at
    for _ in range(rng.randint(3, 6)):
        amount = int(threshold * rng.uniform(0.86, 0.995)) // 100 * 100
        if rng.random() < 0.7:
            _bank_in(world, moment, actor, amount, "DE", pattern)
        else:
            _send(world, moment, "transfer", actor, amount, _actor(world, moment).id, pattern)
        moment += rng.uniform(4 * HOUR, 2 * DAY)


def fan_in(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("fan_in")
    target = _actor(world, at, new=rng.random() < 0.5)
    moment = at
    for _ in range(rng.randint(6, 14)):
        sender = _actor(world, moment, new=rng.random() < 0.6)
        _send(
            world, moment, "transfer", sender, int(rng.uniform(300, 3000)) * 100, target.id, pattern
        )
        moment += rng.uniform(10 * 60, 6 * HOUR)


def fan_out(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("fan_out")
    source = _actor(world, at, new=rng.random() < 0.5)
    count = rng.randint(6, 14)
    each = int(rng.uniform(500, 3000)) * 100
    _bank_in(world, at, source, each * count + 10_000, "CY", pattern)
    moment = at + rng.uniform(HOUR, 6 * HOUR)
    for _ in range(count):
        if rng.random() < 0.7:
            target = _actor(world, moment, new=rng.random() < 0.5).id
            _send(world, moment, "transfer", source, each * rng.uniform(0.9, 1.0), target, pattern)
        else:
            _send(
                world,
                moment,
                "payout",
                source,
                each * rng.uniform(0.9, 1.0),
                _iban(world, "LV"),
                pattern,
            )
        moment += rng.uniform(5 * 60, 4 * HOUR)


def cycle(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("cycle")
    members = [_actor(world, at, new=rng.random() < 0.6) for _ in range(rng.randint(3, 5))]
    amount = float(int(rng.uniform(3000, 30000)) * 100)
    _bank_in(world, at - rng.uniform(HOUR, DAY), members[0], int(amount * 1.05), "MT", pattern)
    moment = at
    for index, member in enumerate(members):
        receiver = members[(index + 1) % len(members)]
        _send(world, moment, "transfer", member, amount, receiver.id, pattern)
        amount *= rng.uniform(0.96, 0.995)
        moment += rng.uniform(2 * HOUR, 2 * DAY)


def rapid_movement(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("rapid_movement")
    actor = _actor(world, at, new=rng.random() < 0.5)
    amount = int(rng.uniform(3000, 40000)) * 100
    if rng.random() < 0.6:
        _bank_in(world, at, actor, amount, "AE", pattern)
    else:
        sender = _actor(world, at)
        sender.balance += amount
        _send(world, at, "transfer", sender, amount, actor.id, pattern)
    moment = at + rng.uniform(10 * 60, 3 * HOUR)
    for _ in range(rng.randint(1, 3)):
        share = rng.uniform(0.5, 0.98)
        _send(
            world, moment, "payout", actor, int(actor.balance * share), _iban(world, "HK"), pattern
        )
        moment += rng.uniform(10 * 60, 3 * HOUR)


def dormant_reactivation(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("dormant_reactivation")
    actor = world.add_customer(at - rng.uniform(120, 600) * DAY, role="actor")
    device, ip = actor.at_home()
    world.login(at - 300, actor, device, ip)
    _bank_in(world, at, actor, int(rng.uniform(5000, 60000)) * 100, "PA", pattern)
    moment = at + rng.uniform(HOUR, 2 * DAY)
    for _ in range(rng.randint(1, 3)):
        _send(
            world,
            moment,
            "payout",
            actor,
            int(actor.balance * rng.uniform(0.3, 0.9)),
            _iban(world, "PA"),
            pattern,
        )
        moment += rng.uniform(HOUR, DAY)


def scatter_gather(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("scatter_gather")
    source = _actor(world, at, new=rng.random() < 0.5)
    target = _actor(world, at, new=rng.random() < 0.5)
    middles = [_actor(world, at, new=rng.random() < 0.7) for _ in range(rng.randint(3, 8))]
    each = int(rng.uniform(1000, 8000)) * 100
    _bank_in(world, at - HOUR, source, each * len(middles), "CY", pattern)
    moment = at
    for middle in middles:
        _send(world, moment, "transfer", source, each, middle.id, pattern)
        moment += rng.uniform(5 * 60, 3 * HOUR)
    for middle in middles:
        moment += rng.uniform(10 * 60, 8 * HOUR)
        _send(world, moment, "transfer", middle, each * rng.uniform(0.9, 0.99), target.id, pattern)


def mule(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("mule")
    account = world.add_customer(
        at - rng.uniform(1, 14) * DAY,
        role="actor",
        kyc_level=rng.choice(("none", "light", "verified")),
    )
    device, ip = account.at_home()
    moment = at
    for _ in range(rng.randint(3, 9)):
        if rng.random() < 0.5:
            sender = _actor(world, moment, new=False)
            sender.balance += 200_000
            _send(
                world,
                moment,
                "transfer",
                sender,
                int(rng.uniform(200, 2000)) * 100,
                account.id,
                pattern,
            )
        else:
            _bank_in(world, moment, account, int(rng.uniform(200, 2000)) * 100, "DE", pattern)
        low, high = world.variant.mule_gap_hours
        moment += rng.uniform(low * HOUR, high * HOUR)
    world.login(moment, account, device, ip)
    _send(
        world,
        moment + 60,
        "payout",
        account,
        int(account.balance * rng.uniform(0.8, 0.97)),
        _iban(world, "LT"),
        pattern,
    )


LAUNDERING_TYPOLOGIES: dict[str, Callable[[World, float], None]] = {
    "structuring": structuring,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "cycle": cycle,
    "rapid_movement": rapid_movement,
    "dormant_reactivation": dormant_reactivation,
    "scatter_gather": scatter_gather,
    "mule": mule,
}
