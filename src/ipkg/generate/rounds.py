"""The rounds of synthetic facts: what each round holds, and how it refers to earlier rounds."""

from __future__ import annotations

import datetime as dt
import random

from ipkg.generate.writer import Term, Writer, word

_FIRST_NAMES = ("Anna", "Boris", "Chen", "Dana", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Luis")
_TOPICS = ("patents", "trademarks", "industrial designs", "copyright", "geographical indications", "plant varieties")
_HONORIFICS = ("Mr.", "Ms.", "Dr.", "H.E. Mr.", "H.E. Ms.")
_CONSENTS = ("Ratification", "Accession", "DeclarationOfContinuedApplication")


class Generator:
    """Rounds of synthetic facts; ``round(r)`` writes round ``r`` and may refer to rounds ``0..r``."""

    def __init__(self, writer: Writer, seed: int) -> None:
        self.w = writer
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self._round = 0
        self._sentences = 0

    # -- helpers ---------------------------------------------------------------

    def _earlier(self, r: int) -> int:
        """A round number in ``0..r``, favouring recent ones a little."""
        return r - min(int(self.rng.expovariate(1 / max(r / 3, 1))), r)

    def _day(self, start: int = 1950, end: int = 2024) -> dt.date:
        return dt.date(start, 1, 1) + dt.timedelta(days=self.rng.randrange((end - start) * 365))

    def sentence(self, quote: str) -> Term:
        """A new sentence node of this round's source quoting ``quote``; returns its term."""
        r, n = self._round, self._sentences
        self._sentences += 1
        paragraph, number = n // 4 + 1, n % 4 + 1
        node = self.w.iri("src", f"gen-{r}-p{paragraph:02d}-s{number:02d}")
        self.w.subject(
            node,
            self.w.iri("ipkgo", "Sentence"),
            [
                ("rdfs:label", self.w.text(f"Generated report {r + 1} ¶{paragraph} sentence {number}", "en")),
                ("ipkgo:inSource", self.w.iri("src", f"gen-{r}")),
                ("ipkgo:paragraph", self.w.typed(str(paragraph), "integer")),
                ("ipkgo:quote", self.w.text(quote)),
                ("ipkgo:sentenceNumber", self.w.typed(str(number), "integer")),
            ],
        )
        return node

    def fact(self, local: str, cls: str, label: str, source: Term, *pairs: tuple[str, Term]) -> Term:
        """``ipkg:local``, typed ``ipkgo:cls``, labelled, derived from ``source``; returns its term."""
        node = self.w.iri("ipkg", local)
        head = [("rdfs:label", self.w.text(label, "en")), ("prov:wasDerivedFrom", source)]
        self.w.subject(node, self.w.iri("ipkgo", cls), head + list(pairs))
        return node

    def ref(self, local: str) -> Term:
        return self.w.iri("ipkg", local)

    # -- one round -------------------------------------------------------------

    def round(self, r: int) -> None:
        """Write round ``r``: a source, a state and its capital, an organization with organs, a government body,
        three people with posts and tenures, two memberships, a treaty with four treaty actions, a visit
        with two meetings."""
        w, rng = self.w, self.rng
        self._round, self._sentences = r, 0
        name = word(r)
        w.subject(
            w.iri("src", f"gen-{r}"),
            w.iri("ipkgo", "Source"),
            [
                ("rdfs:label", w.text(f"Generated report {r + 1}", "en")),
                ("ipkgo:confidence", w.text(rng.choice("HML"))),
                ("ipkgo:url", w.typed(f"https://example.org/ipkg-generated/report-{r + 1}", "anyURI")),
            ],
        )
        # a state and its capital
        state, city = f"gen-{name.lower()}ia", f"gen-{name.lower()}grad"
        said = self.sentence(f"The Republic of {name}ia is a sovereign state; its capital is {name}grad.")
        self.fact(state, "State", f"{name}ia", said, ("skos:altLabel", w.text(f"Republic of {name}ia", "en")))
        self.fact(city, "City", f"{name}grad", said, ("ipkgo:country", self.ref(state)))
        # an organization, its organs and an organ of an organ
        org = f"gen-{name.lower()}-organization"
        org_label = f"{name} Intellectual Property Organization"
        founded = self._day(1883, 2000)
        said = self.sentence(
            f"The {org_label} was founded in {founded.year}; its General Assembly, its Committee on "
            f"{rng.choice(_TOPICS).capitalize()} and that committee's Working Group are its organs."
        )
        hq = f"gen-{word(self._earlier(r)).lower()}grad"
        self.fact(
            org,
            "SpecializedAgency" if r % 7 == 0 else "IntergovernmentalOrganization",
            org_label,
            said,
            ("ipkgo:foundingDate", w.date(founded, rng.choice(("date", "gYear")))),
            ("ipkgo:headquarters", self.ref(hq)),
        )
        assembly, committee, group = (f"{org}-general-assembly", f"{org}-committee", f"{org}-working-group")
        self.fact(
            assembly,
            "GoverningBody",
            f"General Assembly of the {org_label}",
            said,
            ("ipkgo:governingBodyOf", self.ref(org)),
        )
        self.fact(committee, "Organ", f"Committee of the {org_label}", said, ("ipkgo:organOf", self.ref(org)))
        self.fact(
            group,
            "Organ",
            f"Working Group of the Committee of the {org_label}",
            said,
            ("ipkgo:organOf", self.ref(committee)),
        )
        # a government body
        office = f"gen-{name.lower()}ia-patent-office"
        said = self.sentence(f"The Patent Office of {name}ia is the national intellectual-property office.")
        self.fact(office, "GovernmentBody", f"Patent Office of {name}ia", said, ("ipkgo:country", self.ref(state)))
        self._people(r, name, org, org_label, state, office)
        self._memberships(r, name, state, org, org_label, committee)
        self._treaty(r, name, org, org_label, state)
        self._visit(r, name, org)

    def _people(self, r: int, name: str, org: str, org_label: str, state: str, office: str) -> None:
        w, rng = self.w, self.rng
        posts = (
            (f"{org}-director-general", f"Director General of the {org_label}", org),
            (f"gen-{name.lower()}ia-minister-of-justice", f"Minister of Justice of {name}ia", state),
            (f"{office}-head", f"Head of the Patent Office of {name}ia", office),
        )
        for i, (post, post_label, within) in enumerate(posts):
            first = _FIRST_NAMES[(r * 3 + i) % len(_FIRST_NAMES)]
            surname = word(r * 3 + i, digits=3) + ("ova" if i % 2 else "ov")
            person = f"gen-{first.lower()}-{surname.lower()}"
            start = self._day(1980, 2020)
            ended = rng.random() < 0.5
            end = start + dt.timedelta(days=rng.randrange(365, 8 * 365))
            said = self.sentence(
                f"{first} {surname}, a citizen of {word(self._earlier(r))}ia, was {post_label} from {start.isoformat()}"
                + (f" to {end.isoformat()}." if ended else ".")
            )
            citizen = f"gen-{word(self._earlier(r)).lower()}ia"
            self.fact(
                person,
                "Person",
                f"{first} {surname}",
                said,
                ("ipkgo:citizenOf", self.ref(citizen)),
                ("schema:honorificPrefix", w.text(rng.choice(_HONORIFICS))),
            )
            self.fact(post, "Post", post_label, said, ("ipkgo:postIn", self.ref(within)))
            dates = [("ipkgo:startDate", w.date(start))] + ([("ipkgo:endDate", w.date(end))] if ended else [])
            self.fact(
                f"gen-tenure-{first.lower()}-{surname.lower()}",
                "Tenure",
                f"{first} {surname}, {post_label}",
                said,
                ("ipkgo:holder", self.ref(person)),
                ("ipkgo:post", self.ref(post)),
                *dates,
            )

    def _memberships(self, r: int, name: str, state: str, org: str, org_label: str, committee: str) -> None:
        w, rng = self.w, self.rng
        host = f"gen-{word(self._earlier(r)).lower()}-organization"
        start = self._day(1960, 2020)
        said = self.sentence(f"{name}ia has been a member of the {word(self._earlier(r))} organization since {start}.")
        self.fact(
            f"gen-membership-{name.lower()}ia-{host.removeprefix('gen-')}",
            "Membership",
            f"Membership of {name}ia in {host.removeprefix('gen-').replace('-', ' ')}",
            said,
            ("ipkgo:member", self.ref(state)),
            ("ipkgo:organization", self.ref(host)),
            ("ipkgo:startDate", w.date(start)),
        )
        member = word(self._earlier(r))
        first = rng.randrange(1990, 2022)
        said = self.sentence(f"{member}ia was a member of the Committee of the {org_label} for {first}-{first + 1}.")
        self.fact(
            f"gen-membership-{member.lower()}ia-{committee.removeprefix('gen-')}",
            "Membership",
            f"Membership of {member}ia in the Committee of the {org_label} ({first}-{first + 1})",
            said,
            ("ipkgo:member", self.ref(f"gen-{member.lower()}ia")),
            ("ipkgo:organization", self.ref(committee)),
            ("ipkgo:startDate", w.typed(str(first), "gYear")),
            ("ipkgo:endDate", w.typed(str(first + 1), "gYear")),
        )

    def _treaty(self, r: int, name: str, org: str, org_label: str, state: str) -> None:
        w, rng = self.w, self.rng
        topic = rng.choice(_TOPICS)
        treaty = f"gen-{name.lower()}-treaty"
        label = f"{name} Treaty on {topic.capitalize()}"
        adopted = self._day(1883, 2015)
        place = f"gen-{word(self._earlier(r)).lower()}grad"
        said = self.sentence(f"The {label}, adopted on {adopted}, is administered by the {org_label}.")
        # rounds 3k+1 and 3k+2 adopt acts of the treaty of the round before: partOf chains of depth 2
        act_of = [("ipkgo:partOf", self.ref(f"gen-{word(r - 1).lower()}-treaty"))] if r % 3 else []
        self.fact(
            treaty,
            "Treaty",
            label,
            said,
            ("ipkgo:administeredBy", self.ref(org)),
            ("ipkgo:adoptionDate", w.date(adopted)),
            ("ipkgo:adoptionPlace", self.ref(place)),
            *act_of,
        )
        signed = adopted + dt.timedelta(days=rng.randrange(1, 400))
        said = self.sentence(f"{name}ia signed the {label} on {signed}.")
        self.fact(
            f"gen-{signed.isoformat()}-signing-{name.lower()}-treaty-{name.lower()}ia",
            "Signing",
            f"Signature of the {label} by {name}ia",
            said,
            ("ipkgo:date", w.date(signed)),
            ("ipkgo:signedDocument", self.ref(treaty)),
            ("ipkgo:signer", self.ref(state)),
        )
        self._consent(r, "Ratification", name, treaty, label, signed)
        for _ in range(2):  # two earlier states join earlier treaties (or this one)
            joiner, target = word(self._earlier(r)), word(self._earlier(r))
            if (joiner, target) == (name, name):
                continue
            self._consent(r, rng.choice(_CONSENTS[1:]), joiner, f"gen-{target.lower()}-treaty", None, adopted)

    def _consent(self, r: int, kind: str, state: str, treaty: str, label: str | None, after: dt.date) -> None:
        w, rng = self.w, self.rng
        acted = after + dt.timedelta(days=rng.randrange(30, 3000))
        in_force = acted + dt.timedelta(days=90)
        treaty_name = label or treaty.removeprefix("gen-").replace("-", " ").title()
        said = self.sentence(
            f"{state}ia deposited its instrument ({kind}) to the {treaty_name} on {acted}; "
            f"it took effect on {in_force}."
        )
        self.fact(
            f"gen-{acted.isoformat()}-{kind.lower()}-{treaty.removeprefix('gen-')}-{state.lower()}ia-{r}",
            kind,
            f"{kind} of the {treaty_name} by {state}ia ({acted.isoformat()}, round {r + 1})",
            said,
            ("ipkgo:consentingState", self.ref(f"gen-{state.lower()}ia")),
            ("ipkgo:treaty", self.ref(treaty)),
            ("ipkgo:date", w.date(acted)),
            ("ipkgo:entryIntoForceDate", w.date(in_force)),
        )

    def _visit(self, r: int, name: str, org: str) -> None:
        w, rng = self.w, self.rng
        visitor_round = self._earlier(r)
        visitor_first = _FIRST_NAMES[(visitor_round * 3) % len(_FIRST_NAMES)]
        visitor_name = f"{visitor_first} {word(visitor_round * 3, digits=3)}ov"
        visitor = f"gen-{visitor_name.lower().replace(' ', '-')}"
        host = word(self._earlier(r))
        start = self._day(1995, 2024)
        end = start + dt.timedelta(days=rng.randrange(1, 5))
        said = self.sentence(
            f"From {start} to {end}, {visitor_name} paid an official visit to {host}ia (visit {r + 1}), meeting the "
            f"Minister of Justice and the Head of the Patent Office."
        )
        visit = f"gen-{start.isoformat()}-visit-{r}"
        self.fact(
            visit,
            "Visit",
            f"Official visit of {visitor_name} to {host}ia ({start.isoformat()}, visit {r + 1})",
            said,
            ("ipkgo:visitor", self.ref(visitor)),
            ("ipkgo:location", self.ref(f"gen-{host.lower()}ia")),
            ("ipkgo:startDate", w.date(start)),
            ("ipkgo:endDate", w.date(end)),
        )
        for i, (post, role) in enumerate((("minister-of-justice", "Minister of Justice"), ("patent-office", "Office"))):
            other_round = self._earlier(r)
            other_first = _FIRST_NAMES[(other_round * 3 + 1 + i) % len(_FIRST_NAMES)]
            other = f"{other_first} {word(other_round * 3 + 1 + i, digits=3)}{'ova' if i == 0 else 'ov'}"
            self.fact(
                f"{visit}-meeting-{post}",
                "Meeting",
                f"Meeting of {visitor_name} with {other} (visit {r + 1})",
                said,
                ("ipkgo:participant", self.ref(visitor)),
                ("ipkgo:participant", self.ref(f"gen-{other.lower().replace(' ', '-')}")),
                ("ipkgo:participantRole", w.text(role)),
                ("ipkgo:date", w.date(start + dt.timedelta(days=i))),
                ("ipkgo:subEventOf", self.ref(visit)),
                ("ipkgo:location", self.ref(org if i else f"gen-{host.lower()}grad")),
            )
