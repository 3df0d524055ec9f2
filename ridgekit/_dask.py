"""Connecting to an existing Dask cluster (``dask.distributed``, imported only on use).

ridgekit never starts a cluster of its own: a user hands it a running
``dask.distributed.Client`` or the address of a running scheduler
(``tcp://HOST:PORT``), and everything distributed (parameter sweeps, transforms split
over directions) goes through that client.  Shared by every package, like
:mod:`ridgekit._validation`.
"""

from __future__ import annotations

import numbers

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "get_client", "is_client"]

#: Seconds to wait for a scheduler to answer before giving up with a clear error.
DEFAULT_CONNECT_TIMEOUT = 5.0


def _import_distributed(what):
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - exercised only without dask
        raise ImportError(f"{what} needs dask.distributed: pip install 'ridgekit[dask]'") from exc
    return distributed


def is_client(obj) -> bool:
    """Whether ``obj`` is a ``dask.distributed.Client`` (without importing dask for None)."""
    if obj is None or isinstance(obj, (str, bytes, numbers.Number)):
        return False
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, Client)


def get_client(scheduler, name: str = "scheduler", *, timeout=DEFAULT_CONNECT_TIMEOUT):
    """A client for ``scheduler`` and whether the caller owns (must close) it.

    Parameters
    ----------
    scheduler : str or dask.distributed.Client
        A running client (returned as is, not owned) or the address of a running
        scheduler, ``"tcp://HOST:PORT"`` or ``"HOST:PORT"`` (a new client is connected,
        owned by the caller, not made the process-wide default).
    name : str
        Argument name for error messages.
    timeout : float
        Seconds to wait for the scheduler.

    Returns
    -------
    (client, owned) : (dask.distributed.Client, bool)

    Raises
    ------
    TypeError
        ``scheduler`` is neither a string nor a client.
    ValueError
        The address is empty.
    ConnectionError
        No scheduler answered at the address within ``timeout`` seconds.
    """
    if is_client(scheduler):
        return scheduler, False
    if not isinstance(scheduler, str):
        raise TypeError(f"{name} must be a Dask scheduler address such as 'tcp://10.0.0.5:8786' or a "
                        f"dask.distributed.Client, got {type(scheduler).__name__} {scheduler!r:.60}")
    address = scheduler.strip()
    if not address:
        raise ValueError(f"{name} must be a Dask scheduler address such as 'tcp://10.0.0.5:8786', got {scheduler!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    distributed = _import_distributed(f"{name}={address!r}")
    try:
        client = distributed.Client(address, timeout=float(timeout), set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"could not reach a Dask scheduler at {name}={address!r} within {timeout:g} s "
                              f"({exc}); start one (`dask scheduler`, or your cluster's own launcher) and "
                              f"pass the address it prints, tcp://HOST:PORT") from None
    except ValueError as exc:
        raise ValueError(f"{name}={address!r} is not a Dask scheduler address ({exc}); expected "
                         f"'tcp://HOST:PORT'") from None
    return client, True
