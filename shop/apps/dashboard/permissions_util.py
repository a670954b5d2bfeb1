"""Operators are staff (shop.core.access.is_operator): every dashboard page Oscar maps to model
permissions also opens for ``is_staff``, as in the rest of the mall's dashboard."""


def staff_may_open_everything(permissions_map: dict) -> None:
    for name, perms in list(permissions_map.items()):
        alternatives = perms if isinstance(perms, tuple) else (perms,)
        if ["is_staff"] not in alternatives:
            permissions_map[name] = (*alternatives, ["is_staff"])
