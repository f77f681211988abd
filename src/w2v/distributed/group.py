"""The process group: started from torchrun's environment, with timeouts and clear failures.

``torchrun`` (``python -m torch.distributed.run``) starts one process per rank and sets
``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``;
:func:`init_group` reads them. The backend is gloo for CPU ranks and NCCL for CUDA ranks;
small control messages (word lists, flags, error messages) always go through a gloo group,
so that they never need a device.

Every collective runs under :meth:`Group.collective`, which turns the backend's error (a
peer closed its connection, a timeout) into one :class:`~w2v.errors.DistributedError` that
says which phase failed; :meth:`Group.together` runs a phase on every rank and makes the
ranks agree on its outcome, so that one rank's bad input stops all of them with its message
instead of leaving the others waiting.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from w2v.errors import DistributedError

T = TypeVar("T")

# Seconds a collective may wait for the slowest rank before the run stops. A sync waits
# only for the rank furthest behind (seconds at most: shares are equal); counting the
# vocabulary of a large share may take minutes.
DEFAULT_TIMEOUT_S = 600.0
_ENV = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@dataclass
class Group:
    """This process's place in the run.

    Attributes
    ----------
    rank, world_size, local_rank : int
    backend : {"gloo", "nccl"}
        The backend of the table collectives.
    device : str
        Where table collectives run: ``"cpu"`` or ``"cuda:LOCAL_RANK"``.
    timeout_s : float
    """

    rank: int
    world_size: int
    local_rank: int
    backend: str
    device: str
    timeout_s: float
    _control: Any = None  # the gloo process group of control messages
    owned: bool = False  # whether init_group started the process group (and closes it)
    collective_seconds: float = 0.0  # wall seconds spent inside collectives so far

    @property
    def is_root(self) -> bool:
        """Whether this is rank 0, the one that writes files."""
        return self.rank == 0

    @contextlib.contextmanager
    def collective(self, what: str) -> Iterator[None]:
        """Run collectives; a backend failure becomes a DistributedError naming ``what``."""
        t0 = time.perf_counter()
        try:
            yield
            self.collective_seconds += time.perf_counter() - t0
        except RuntimeError as exc:  # torch.distributed.DistBackendError is one
            if isinstance(exc, DistributedError):
                raise
            reason = " ".join(str(exc).split())[:200]
            raise DistributedError(
                f"Rank {self.rank} of {self.world_size} lost contact with the other ranks "
                f"during {what}: a rank failed, was killed or did not answer within "
                f"{self.timeout_s:g} s ({reason}). Its own output says why; the last "
                f"checkpoint, if any, can be resumed with any number of ranks.") from None

    def together(self, phase: Callable[[], T], what: str) -> T:
        """Run ``phase`` on every rank; if it fails on any, stop every rank.

        The rank that failed re-raises its own exception; the others raise a
        :class:`DistributedError` that quotes it.
        """
        result: T | None = None
        error: BaseException | None = None
        try:
            result = phase()
        except Exception as exc:  # noqa: BLE001 - the other ranks must hear of any failure
            error = exc
        messages = self.gather_bytes(b"" if error is None else _describe(error).encode(),
                                     what)
        if error is not None:
            raise error
        for rank, message in enumerate(messages):
            if message:
                raise DistributedError(f"Rank {rank} stopped during {what}: "
                                       f"{message.decode(errors='replace')}")
        return result  # type: ignore[return-value]

    def gather_bytes(self, data: bytes, what: str) -> list[bytes]:
        """Every rank's ``data``, in rank order (through the gloo control group)."""
        import torch
        import torch.distributed as dist

        with self.collective(what):
            sizes = [torch.zeros(1, dtype=torch.int64) for _ in range(self.world_size)]
            dist.all_gather(sizes, torch.tensor([len(data)], dtype=torch.int64),
                            group=self._control)
            longest = max(int(s.item()) for s in sizes)
            mine = torch.zeros(max(longest, 1), dtype=torch.uint8)
            if data:
                mine[:len(data)] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
            out = [torch.zeros_like(mine) for _ in range(self.world_size)]
            dist.all_gather(out, mine, group=self._control)
        return [bytes(o[:int(s.item())].numpy()) for o, s in zip(out, sizes, strict=True)]

    def wait(self, what: str) -> None:
        """Wait until every rank is here (a barrier)."""
        import torch.distributed as dist

        with self.collective(what):
            dist.barrier(group=self._control)

    def all_reduce_control(self, values: np.ndarray, op: str, what: str) -> np.ndarray:
        """Reduce a small int64/float64 array over the ranks (``op`` "sum" or "max")."""
        import torch
        import torch.distributed as dist

        tensor = torch.from_numpy(np.ascontiguousarray(values).copy())
        with self.collective(what):
            dist.all_reduce(tensor, op=_op(op), group=self._control)
        return tensor.numpy()

    def all_reduce_(self, array: np.ndarray, what: str) -> None:
        """Sum a float32 array over the ranks, in place (on the table device)."""
        import torch
        import torch.distributed as dist

        host = torch.from_numpy(array)
        with self.collective(what):
            if self.device == "cpu":
                dist.all_reduce(host)
            else:
                on_device = host.to(self.device)
                dist.all_reduce(on_device)
                host.copy_(on_device.cpu())

    def broadcast_(self, array: np.ndarray, what: str) -> None:
        """Overwrite ``array`` on every rank with rank 0's, in place."""
        import torch
        import torch.distributed as dist

        host = torch.from_numpy(array)
        with self.collective(what):
            if self.device == "cpu":
                dist.broadcast(host, src=0)
            else:
                on_device = host.to(self.device)
                dist.broadcast(on_device, src=0)
                host.copy_(on_device.cpu())


    @contextlib.contextmanager
    def session(self) -> Iterator[Group]:
        """Close the process group at the end if this run opened it.

        After a success the ranks leave together (a barrier), so that none tears down its
        connections while another still uses them; after a failure each leaves at once.
        """
        import torch.distributed as dist

        try:
            yield self
        except BaseException:
            if self.owned:
                with contextlib.suppress(Exception):
                    dist.destroy_process_group()
            raise
        if self.owned:
            self.wait("the end of the run")
            dist.destroy_process_group()


def _op(name: str) -> Any:
    import torch.distributed as dist

    return {"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX}[name]


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def launched() -> bool:
    """Whether this process was started by torchrun (its environment is set)."""
    return all(name in os.environ for name in _ENV)


def init_group(device: str = "cpu", timeout_s: float = DEFAULT_TIMEOUT_S) -> Group:
    """Join the run torchrun started (or the one already initialised by the caller).

    Parameters
    ----------
    device : str
        ``"cpu"`` (gloo) or ``"cuda"``/``"cuda:N"`` (NCCL, one GPU a rank: ``LOCAL_RANK``).
    timeout_s : float
        How long a collective may wait for the other ranks.

    Returns
    -------
    Group

    Raises
    ------
    DistributedError
        If the environment of torchrun is missing, PyTorch lacks the backend, or the
        rendezvous fails.
    """
    missing = [name for name in _ENV if name not in os.environ]
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        raise DistributedError("Distributed training needs PyTorch (pip install "
                               "'w2v[gpu]').") from None
    if missing and not dist.is_initialized():
        raise DistributedError(
            f"Distributed training must be launched by torchrun ({', '.join(missing)} not "
            f"set), e.g. torchrun --nproc-per-node 2 -m w2v train CORPUS -o OUT --distributed.")
    cuda = device.startswith("cuda")
    backend = "nccl" if cuda else "gloo"
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda and not torch.cuda.is_available():
        raise DistributedError(f"The device {device!r} was asked for, but PyTorch sees no "
                               f"CUDA GPU on this node.")
    if cuda:  # before NCCL starts: one GPU a rank
        torch.cuda.set_device(local_rank)
    timeout = datetime.timedelta(seconds=timeout_s)
    owned = not dist.is_initialized()
    if owned:
        try:
            dist.init_process_group(backend, timeout=timeout)
        except (RuntimeError, ValueError) as exc:
            reason = " ".join(str(exc).split())[:200]
            raise DistributedError(f"Could not join the distributed run at "
                                   f"{os.environ.get('MASTER_ADDR')}:"
                                   f"{os.environ.get('MASTER_PORT')}: {reason}") from None
    backend = dist.get_backend()
    control = dist.new_group(backend="gloo", timeout=timeout) if backend != "gloo" else None
    table_device = f"cuda:{local_rank}" if backend == "nccl" else "cpu"
    return Group(rank=dist.get_rank(), world_size=dist.get_world_size(),
                 local_rank=local_rank, backend=backend, device=table_device,
                 timeout_s=timeout_s, _control=control, owned=owned)


def shutdown() -> None:
    """Leave the process group (if this process joined one)."""
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
