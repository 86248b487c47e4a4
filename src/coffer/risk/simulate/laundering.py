"""Money-laundering typologies (not labelled fraud): each call records one pattern."""

from __future__ import annotations

from collections.abc import Callable

from coffer.risk.simulate.world import SimCustomer, World

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


def _ip(actor: SimCustomer) -> tuple[str, str]:
    return actor.devices[0], actor.country


def structuring(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("structuring")
    actor = _actor(world, at, new=rng.random() < 0.5)
    threshold = rng.choice((1_000_000, 1_000_000, 1_500_000))
    moment = at
    for _ in range(rng.randint(3, 6)):
        amount = int(threshold * rng.uniform(0.86, 0.995)) // 100 * 100
        if rng.random() < 0.7:
            world.transaction(
                moment,
                "payin_bank",
                actor,
                amount,
                f"iban:DE{rng.randrange(10**15, 10**16)}",
                pattern=pattern,
            )
        else:
            device, ip = _ip(actor)
            world.transaction(
                moment,
                "transfer",
                actor,
                amount,
                _actor(world, moment).id,
                None,
                ip,
                device,
                pattern=pattern,
            )
        moment += rng.uniform(4 * HOUR, 2 * DAY)


def fan_in(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("fan_in")
    target = _actor(world, at, new=rng.random() < 0.5)
    moment = at
    for _ in range(rng.randint(6, 14)):
        sender = _actor(world, moment, new=rng.random() < 0.6)
        device, ip = _ip(sender)
        world.transaction(
            moment,
            "transfer",
            sender,
            int(rng.uniform(300, 3000)) * 100,
            target.id,
            None,
            ip,
            device,
            pattern=pattern,
        )
        moment += rng.uniform(10 * 60, 6 * HOUR)


def fan_out(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("fan_out")
    source = _actor(world, at, new=rng.random() < 0.5)
    device, ip = _ip(source)
    count = rng.randint(6, 14)
    each = int(rng.uniform(500, 3000)) * 100
    world.transaction(
        at,
        "payin_bank",
        source,
        each * count + 10_000,
        f"iban:CY{rng.randrange(10**15, 10**16)}",
        pattern=pattern,
    )
    moment = at + rng.uniform(HOUR, 6 * HOUR)
    for _ in range(count):
        if rng.random() < 0.7:
            target = _actor(world, moment, new=rng.random() < 0.5).id
            world.transaction(
                moment,
                "transfer",
                source,
                each * rng.uniform(0.9, 1.0),
                target,
                None,
                ip,
                device,
                pattern=pattern,
            )
        else:
            world.transaction(
                moment,
                "payout",
                source,
                each * rng.uniform(0.9, 1.0),
                f"iban:LV{rng.randrange(10**15, 10**16)}",
                None,
                ip,
                device,
                pattern=pattern,
            )
        moment += rng.uniform(5 * 60, 4 * HOUR)


def cycle(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("cycle")
    members = [_actor(world, at, new=rng.random() < 0.6) for _ in range(rng.randint(3, 5))]
    amount = float(int(rng.uniform(3000, 30000)) * 100)
    world.transaction(
        at - rng.uniform(HOUR, DAY),
        "payin_bank",
        members[0],
        int(amount * 1.05),
        f"iban:MT{rng.randrange(10**15, 10**16)}",
        pattern=pattern,
    )
    moment = at
    for index, member in enumerate(members):
        receiver = members[(index + 1) % len(members)]
        device, ip = _ip(member)
        world.transaction(
            moment, "transfer", member, amount, receiver.id, None, ip, device, pattern=pattern
        )
        amount *= rng.uniform(0.96, 0.995)
        moment += rng.uniform(2 * HOUR, 2 * DAY)


def rapid_movement(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("rapid_movement")
    actor = _actor(world, at, new=rng.random() < 0.5)
    device, ip = _ip(actor)
    amount = int(rng.uniform(3000, 40000)) * 100
    if rng.random() < 0.6:
        world.transaction(
            at,
            "payin_bank",
            actor,
            amount,
            f"iban:AE{rng.randrange(10**15, 10**16)}",
            pattern=pattern,
        )
    else:
        sender = _actor(world, at)
        sender.balance += amount
        world.transaction(
            at, "transfer", sender, amount, actor.id, None, *_ip(sender)[::-1], pattern=pattern
        )
    moment = at + rng.uniform(10 * 60, 3 * HOUR)
    for _ in range(rng.randint(1, 3)):
        share = rng.uniform(0.5, 0.98)
        world.transaction(
            moment,
            "payout",
            actor,
            int(actor.balance * share),
            f"iban:HK{rng.randrange(10**15, 10**16)}",
            None,
            ip,
            device,
            pattern=pattern,
        )
        moment += rng.uniform(10 * 60, 3 * HOUR)


def dormant_reactivation(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("dormant_reactivation")
    actor = world.add_customer(at - rng.uniform(120, 600) * DAY, role="actor")
    device, ip = _ip(actor)
    world.login(at - 300, actor, device, ip)
    world.transaction(
        at,
        "payin_bank",
        actor,
        int(rng.uniform(5000, 60000)) * 100,
        f"iban:PA{rng.randrange(10**15, 10**16)}",
        pattern=pattern,
    )
    moment = at + rng.uniform(HOUR, 2 * DAY)
    for _ in range(rng.randint(1, 3)):
        world.transaction(
            moment,
            "payout",
            actor,
            int(actor.balance * rng.uniform(0.3, 0.9)),
            f"iban:PA{rng.randrange(10**15, 10**16)}",
            None,
            ip,
            device,
            pattern=pattern,
        )
        moment += rng.uniform(HOUR, DAY)


def scatter_gather(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("scatter_gather")
    source = _actor(world, at, new=rng.random() < 0.5)
    target = _actor(world, at, new=rng.random() < 0.5)
    middles = [_actor(world, at, new=rng.random() < 0.7) for _ in range(rng.randint(3, 8))]
    each = int(rng.uniform(1000, 8000)) * 100
    world.transaction(
        at - HOUR,
        "payin_bank",
        source,
        each * len(middles),
        f"iban:CY{rng.randrange(10**15, 10**16)}",
        pattern=pattern,
    )
    device, ip = _ip(source)
    moment = at
    for middle in middles:
        world.transaction(
            moment, "transfer", source, each, middle.id, None, ip, device, pattern=pattern
        )
        moment += rng.uniform(5 * 60, 3 * HOUR)
    for middle in middles:
        moment += rng.uniform(10 * 60, 8 * HOUR)
        mdevice, mip = _ip(middle)
        world.transaction(
            moment,
            "transfer",
            middle,
            each * rng.uniform(0.9, 0.99),
            target.id,
            None,
            mip,
            mdevice,
            pattern=pattern,
        )


def mule(world: World, at: float) -> None:
    rng = world.rng
    pattern = world.new_pattern("mule")
    account = world.add_customer(
        at - rng.uniform(1, 14) * DAY,
        role="actor",
        kyc_level=rng.choice(("none", "light", "verified")),
    )
    device, ip = _ip(account)
    moment = at
    for _ in range(rng.randint(3, 9)):
        if rng.random() < 0.5:
            sender = _actor(world, moment, new=False)
            sender.balance += 200_000
            world.transaction(
                moment,
                "transfer",
                sender,
                int(rng.uniform(200, 2000)) * 100,
                account.id,
                None,
                *_ip(sender)[::-1],
                pattern=pattern,
            )
        else:
            world.transaction(
                moment,
                "payin_bank",
                account,
                int(rng.uniform(200, 2000)) * 100,
                f"iban:DE{rng.randrange(10**15, 10**16)}",
                pattern=pattern,
            )
        moment += rng.uniform(10 * 60, 8 * HOUR)
    world.login(moment, account, device, ip)
    world.transaction(
        moment + 60,
        "payout",
        account,
        int(account.balance * rng.uniform(0.8, 0.97)),
        f"iban:LT{rng.randrange(10**15, 10**16)}",
        None,
        ip,
        device,
        pattern=pattern,
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
