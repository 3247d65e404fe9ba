"""Print what the converter finds in documents (a development aid): persons, meetings, partnerships."""

from __future__ import annotations

import sys

from kg.convert import convert_file


def main(argv: list[str]) -> None:
    for path in argv:
        x = convert_file(path).extraction
        persons = x.entities.persons
        print(f"== {path} (home {x.entities.home_country})")
        for p in persons:
            roles = ", ".join(f"{r.post_kind}/{r.country}" for r in p.roles)
            print(f"  person {p.name!r} [{p.country}] {roles} forms={sorted(p.forms)}")
        for m in x.events.meetings:
            names = [persons[i].name for i in m.participants]
            print(
                f"  meeting {m.kind} {names} date={m.date} ({m.date_expression}) place={m.place_city}/"
                f"{m.place_country} occ={m.occasion} reported={m.reported}"
            )
            print(f"     issues={m.issues} partnerships={m.partnerships}")
        for pa in x.events.partnerships:
            founders = [persons[i].name for i in pa.established_by]
            print(f"  partnership {pa.name!r} {pa.parties} est={pa.established} by={founders}")
        for a in x.events.agreements:
            signers = [persons[i].name for i in a.signed_by]
            print(f"  agreement {a.title[:60]!r} {a.amount} {a.currency} by={signers} {a.date}")


if __name__ == "__main__":
    main(sys.argv[1:])
