"""Taking stated triples back out of a closure of ``build.rules`` by delete and rederive (DRed).

Recomputing the closure after a removal costs the whole graph (seconds at 10^5 triples); DRed
(Gupta, Mumick and Subrahmanian, 1993) costs what the removal touches:

1. **overdelete**: every triple that has a derivation through a retracted one (a rule firing with it
   as a premise and the other premises from the closure as it was), transitively, except the
   triples still stated;
2. **rederive**: of those, the ones a rule still derives in one step from what remains; the forward
   (semi-naive) run from them then brings back the rest of what still holds.

Both steps fire the rules through ``Closure.derive``, the forward run's own matching code, with
collectors instead of additions. The rederivation needs no backward rules: every rule firing that
concludes ``(s p o)`` has a premise with ``s``, or another name of ``s`` (owl:sameAs), as its
subject or object — types and properties of ``s`` (cax-sco, cls-hv1/2, prp-dom, prp-spo1), ranges
and inverses into ``s`` (prp-rng, prp-inv, prp-symp), the first link of a transitive step or of a
property chain (prp-trp, prp-spo2), the triple eq-rep-s/o copies. Firing the remaining triples
around the subjects of the overdeleted ones, and keeping the conclusions that are overdeleted,
therefore finds every one-step rederivation.

What DRed does not take back is an ``owl:sameAs`` class: the closure keeps those as a partition
(``Closure.same``), not as derivations. A removal that could split one — a retracted sameAs
triple, or a prp-fp/prp-ifp pair (or a derived sameAs) losing a premise — is handled only when
the two names stay joined by stated sameAs triples, so that no class changes; otherwise
``Edit.retract`` declines, the closure untouched, and the caller recomputes it from scratch. The
other compiled rules (list premises included: the property chains, the AllDisjointClasses
members) are compiled from the T-box, which a retraction leaves alone; a T-box change is the
caller's to recompute.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from itertools import chain

from rdflib.namespace import OWL
from rdflib.term import Node

from ipkg.build.rules import Closure

Triple = tuple[Node, Node, Node]


class Edit:
    """One change to a closure (retractions, then runs), recorded so that it can be taken back exactly.

    Starting an edit clears the closure's ``log``: from then on it holds what the edit added
    (rederived triples included), and ``dropped`` what it took out (some of it rederived).
    """

    def __init__(self, closure: Closure) -> None:
        closure.log.clear()
        self.closure = closure
        self.dropped: set[Triple] = set()
        self._errors = len(closure.errors)
        self._same = dict(closure.same)  # merges replace a class's set, never change one: a shallow copy is a snapshot

    @property
    def added(self) -> list[Triple]:
        """The triples this edit added to the closure, in order."""
        return self.closure.log

    def retract(self, removed: Iterable[Triple], stated: Callable[[Triple], bool]) -> bool:
        """Take ``removed`` out of the closure with what only they supported; ``stated`` tells what stays stated.

        False, the closure untouched, when an owl:sameAs class could split (see the module
        docstring): the caller recomputes the closure then. It comes before any run of the
        edit, so that ``revert`` puts back only triples that were there.
        """
        if self.added or self.dropped:
            raise RuntimeError("an edit retracts once, before it adds anything")
        doomed = self._overdelete(removed, stated)
        if doomed is None:
            return False
        for triple in doomed:
            self.closure.discard(triple)
        self.dropped = doomed
        self.closure.run(self._rederivable(doomed))
        return True

    def revert(self) -> None:
        """The closure as it was when the edit began: its additions out, its removals back in, no rule fired."""
        closure = self.closure
        for triple in closure.log:
            closure.discard(triple)
        for triple in self.dropped:
            closure.restore(triple)
        closure.log.clear()
        self.dropped = set()
        del closure.errors[self._errors :]
        closure.same.clear()
        closure.same.update(self._same)

    def _overdelete(self, removed: Iterable[Triple], stated: Callable[[Triple], bool]) -> set[Triple] | None:
        """Every triple derivable through a removed one, transitively, not stated; None if a sameAs class may split."""
        closure = self.closure
        doomed: set[Triple] = set()
        queue: deque[Triple] = deque()
        splits: list[tuple[Node, Node]] = []

        def doom(triple: Triple) -> None:
            s, p, o = triple
            if p == OWL.sameAs and s != o:
                unmerge(s, o)
            elif triple in closure.triples and triple not in doomed and not stated(triple):
                doomed.add(triple)
                queue.append(triple)

        def unmerge(a: Node, b: Node) -> None:
            if not splits and not self._joined(a, b, stated):
                splits.append((a, b))

        for triple in removed:
            doom(triple)
        while queue and not splits:
            closure.derive(queue.popleft(), doom, unmerge)
        return None if splits else doomed

    def _joined(self, a: Node, b: Node, stated: Callable[[Triple], bool]) -> bool:
        """Whether stated owl:sameAs triples alone join ``a`` and ``b`` (then their class cannot split)."""
        group = self.closure.same.get(a, {a})
        seen, frontier = {a}, [a]
        while frontier:
            x = frontier.pop()
            if x == b:
                return True
            for y in group - seen:
                if stated((x, OWL.sameAs, y)) or stated((y, OWL.sameAs, x)):
                    seen.add(y)
                    frontier.append(y)
        return False

    def _rederivable(self, doomed: set[Triple]) -> set[Triple]:
        """The overdeleted triples one rule firing derives from what remains (see the module docstring)."""
        closure = self.closure
        names = {name for s, _, _ in doomed for name in closure.same.get(s, (s,))}
        back: set[Triple] = set()

        def keep(triple: Triple) -> None:
            if triple in doomed:
                back.add(triple)

        def same_classes(a: Node, b: Node) -> None:
            """The classes are as they were (``_overdelete`` declined otherwise): a merge brings nothing back."""

        for name in names:
            around = chain(closure.triples_matching(name, None, None), closure.triples_matching(None, None, name))
            for premise in list(around):
                closure.derive(premise, keep, same_classes)
        return back


__all__ = ["Edit"]
